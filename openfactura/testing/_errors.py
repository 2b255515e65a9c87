"""The API's three error shapes, as the sandbox sends them (reference §1.5 and §7).

* W (wrapped): ``{"error": {"message", "code", "details": [{"field", "issue"}]}}`` —
  emission and document reads;
* F (flat): ``{"message": "Validación de Campos.", "code": "OF-10", "details": {"Error": ...}}``
  — registry and list filters;
* G (gateway): ``{"statusCode": 401, "message": ...}`` — APIM's 401/404/429.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "INVALID_KEY",
    "MISSING_KEY",
    "RejectError",
    "fields_error",
    "flat",
    "gateway",
    "not_found",
    "wrapped",
]

MISSING_KEY = (
    "Access denied due to missing subscription key. Make sure to include subscription key "
    "when making requests to an API."
)
INVALID_KEY = (
    "Access denied due to invalid subscription key. Make sure to provide a valid key for an "
    "active subscription."
)


def wrapped(message: str, code: str, details: list[dict[str, str]] | None = None) -> Any:
    """Shape W."""
    error: dict[str, Any] = {"message": message, "code": code}
    if details is not None:
        error["details"] = details
    return {"error": error}


def flat(issue: str, *, message: str = "Validación de Campos.", code: str = "OF-10") -> Any:
    """Shape F with ``details: {"Error": issue}``."""
    return {"message": message, "code": code, "details": {"Error": issue}}


def gateway(status: int, message: str) -> Any:
    """Shape G."""
    return {"statusCode": status, "message": message}


class RejectError(Exception):
    """Raised by a handler: answer ``status`` with ``body`` (JSON)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def fields_error(*pairs: tuple[str, str], code: str = "OF-10") -> RejectError:
    """400 ``OF-10`` "Validación de Campos" with ``(field, issue)`` details."""
    details = [{"field": field, "issue": issue} for field, issue in pairs]
    return RejectError(400, wrapped("Validación de Campos", code, details))


def not_found(tipo: Any, folio: Any, problem: str = "Documento no encontrado") -> RejectError:
    """400 ``OF-22`` for an unknown document (details ``problema``, ``dte``, ``folio``)."""
    return RejectError(
        400,
        wrapped(
            "Problema al procesar los datos",
            "OF-22",
            [
                {"field": "problema", "issue": problem},
                {"field": "dte", "issue": str(tipo)},
                {"field": "folio", "issue": str(folio)},
            ],
        ),
    )
