"""The answer shapes the sources disagree on, held steady, and their other known forms.

Where the reference (§8, §2) knows two forms of one answer, the sandbox sends the
best-evidenced one by default (``FakeOpenfactura()``, ``variant="best"``). With
``variant="alternate"`` it sends the other known form of **every** one of them, so a
client's decoding can be tested against both; ``variant={"cedible", "status"}`` switches
only the shapes named (the rest stay best)::

    FakeOpenfactura(variant="alternate")
    FakeOpenfactura(variant={"replay_token", "rate_limit_body"})

Each shape, its best form (the default) and its alternate form, with the evidence:

* ``status`` — E2 ``status``. Best ``{"estado": "Aceptado", "token": ...}`` (CLI doc and
  dev, M); alternate the bare JSON string ``"Aceptado"`` (read by other clients, issue 12).
* ``status_folio`` — E3 ``status``. Best ``"folio": "674180"`` as text, as observed (CLI
  dev, M); alternate ``"folio": 674180``, a number like in every other read.
* ``cedible`` — ``cedible`` reads. Best ``{"pdf": <base64>, "folio": N}`` (the CLI reads
  ``pdf``); alternate ``{"cedible": <base64>, "folio": N}`` (the Ruby client), §8.19.
* ``acteco`` — ``actividades[].codigoActividadEconomica`` of the organization and of
  taxpayers. Best a number (``479100``, the plugin fixture); alternate text (per the CLI).
* ``resolucion`` — ``resolucion.numero`` of the organization and of ``RESOLUCION`` in an
  emission. Best a number (CLI, Swagger); alternate text (the plugin fixture), §2 E10.
* ``disponible`` — folio availability count. Best ``"disponibles"`` (live); alternate
  ``"disponible"`` (the doc's table), §8.6.
* ``folios_dte`` — folio availability type. Best ``"dte": 33`` (live); alternate
  ``"dte": "33"`` (the Ruby README), §2 E11.
* ``replay_token`` — ``OF-06`` replay. Best ``error.token`` (the official example);
  alternate no ``error.token`` but ``details: [{"field": "token", "issue": <token>}]``
  (the CLI's code and mocks), §8.4.
* ``list_token`` — issued list rows. Best ``"Token"`` (live); alternate ``"token"`` (the
  doc), §8.5.
* ``list_total`` — lists. Best ``"total": 7510``; alternate ``"total": "7510"``, §6.
* ``empty_list`` — a list without rows. Best 204 with no body; alternate 200 with an empty
  body (clients should tolerate it, L), §1.8.
* ``rate_limit_body`` — the gateway's 429. Best body A ``{"statusCode": 429, "message":
  "Rate limit is exceeded. Try again in X seconds."}``; alternate body B ``{"message":
  "API rate limit exceeded"}`` (the Postman emission example), §1.4, §8.2.
* ``legacy_auth`` — an unknown key. Best 401 ``{"statusCode": 401, "message": "Access
  denied due to invalid subscription key..."}``; alternate the legacy 403 ``{"message":
  "Invalid authentication credentials"}``, §8.1 (an explicit ``legacy_auth=`` wins).
* ``purchase_state`` — purchase registry. Best ``"estado": "Registro"`` (dev); alternate
  ``"Registrado"`` (the doc), §8.8.
* ``self_service_url`` — ``SELF_SERVICE`` of a self-service emission. Best
  ``{"url": ...}`` (the three plugins, H); alternate the URL as text (the doc's table).
* ``emission_status`` — a successful emission. Best 200; alternate 201 (the WHMCS plugin
  accepts it), §1.9.
* ``json_numbers`` — ``json`` reads. Best the DTE as stored; alternate every number of the
  DTE as text (``"Folio": "1000"``: "numeric DTE values may be strings"), §1.7.
* ``annul_key`` — ``anularDTE52``. Best ``{"success": ...}`` (the doc's example); alternate
  ``{"succes": ...}`` (the doc's table), §2 E13, §8.11.
* ``taxpayer_unknown`` — an unknown RUT. Best every field ``null``, ``actividades`` and
  ``sucursales`` too ("200 with null fields", M); alternate the scalars ``null`` with
  ``actividades: [<every member null>]`` and ``sucursales: []`` (dev's answer for a RUT
  without activity), §2 E12.
* ``sync_rcv_body`` — ``registry/sync-rcv``. Best 200 ``{"message", "code"}`` (the doc's
  table); alternate 200 with an empty body (both doc examples), §2 E9.

The 429's ``Retry-After`` header is sent with both bodies (the reference has observed it on
neither; APIM sends it by default). Reads of an unknown token answer the same in both
variants (see ``DocumentRoutes.read_by_token`` in ``_routes/documents.py``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Literal

__all__ = ["SHAPES", "Shapes", "Variant"]

Variant = Literal["best", "alternate"]
"""``"best"``: the best-evidenced form of every ambiguous shape; ``"alternate"``: the other."""
SHAPES: tuple[str, ...] = (
    "status",
    "status_folio",
    "cedible",
    "acteco",
    "resolucion",
    "disponible",
    "folios_dte",
    "replay_token",
    "list_token",
    "list_total",
    "empty_list",
    "rate_limit_body",
    "legacy_auth",
    "purchase_state",
    "self_service_url",
    "emission_status",
    "json_numbers",
    "annul_key",
    "taxpayer_unknown",
    "sync_rcv_body",
)
"""Every ambiguous shape the ``variant`` switch knows (see the table above)."""


class Shapes:
    """Which form of each ambiguous shape a sandbox sends.

    >>> Shapes("best").alternate("cedible"), Shapes({"cedible"}).alternate("cedible")
    (False, True)
    """

    __slots__ = ("alternates",)

    def __init__(self, variant: Variant | Collection[str] = "best") -> None:
        if isinstance(variant, str):
            if variant not in ("best", "alternate"):
                raise ValueError(
                    f"variant must be 'best', 'alternate' or shape names, not {variant!r}"
                )
            names = frozenset(SHAPES) if variant == "alternate" else frozenset()
        else:
            names = frozenset(variant)
            unknown = sorted(names - set(SHAPES))
            if unknown:
                raise ValueError(f"unknown shapes {unknown}; known: {', '.join(SHAPES)}")
        self.alternates = names

    def alternate(self, shape: str) -> bool:
        """Whether ``shape`` is sent in its alternate form."""
        return shape in self.alternates

    def __repr__(self) -> str:
        if not self.alternates:
            return "Shapes('best')"
        if self.alternates == frozenset(SHAPES):
            return "Shapes('alternate')"
        return f"Shapes({sorted(self.alternates)})"

    # -- one helper per shape that is more than a switch -------------------------------------

    def number(self, shape: str, value: int) -> int | str:
        """``value``, or its text when ``shape`` is alternated (acteco, resolucion...)."""
        return str(value) if self.alternate(shape) else value

    def cedible(self, pdf: str, folio: int) -> dict[str, Any]:
        return {"cedible" if self.alternate("cedible") else "pdf": pdf, "folio": folio}

    def replay(self, token: str) -> dict[str, Any]:
        """The OF-06 body of an ``Idempotency-Key`` seen before."""
        error: dict[str, Any] = {
            "message": "Este DTE ya fue emitido (Idempotency-Key)",
            "code": "OF-06",
        }
        if self.alternate("replay_token"):
            error["details"] = [{"field": "token", "issue": token}]
        else:
            error["token"] = token
        return {"error": error}

    def rate_limited(self, seconds: str) -> dict[str, Any]:
        """The gateway's 429 body for a wait of ``seconds`` (text)."""
        if self.alternate("rate_limit_body"):
            return {"message": "API rate limit exceeded"}
        return {
            "statusCode": 429,
            "message": f"Rate limit is exceeded. Try again in {seconds} seconds.",
        }

    def json_document(self, dte: dict[str, Any]) -> dict[str, Any]:
        """The DTE of a ``json`` read (numbers as text in the alternate form)."""
        return _numbers_as_text(dte) if self.alternate("json_numbers") else dte


def _numbers_as_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _numbers_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers_as_text(item) for item in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(value)
    return value
