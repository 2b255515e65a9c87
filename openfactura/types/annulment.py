"""The answer to ``POST /anularDTE52`` (voiding a guía de despacho)."""

from __future__ import annotations

from typing import Any

import attrs

from .._fields import extra_field, wire
from ._common import answer_hook

__all__ = ["AnnulmentResult"]


@attrs.frozen(kw_only=True)
class AnnulmentResult:
    """``{"success": "Se ha anulado el documento Folio: 34972"}``.

    The doc table spells the key ``succes``; both are read and ``message`` gives either.
    """

    success: str | None = wire("success", default=None)
    succes: str | None = wire("succes", default=None)
    extra: dict[str, Any] = extra_field()

    @property
    def message(self) -> str | None:
        """The API's confirmation text."""
        return self.success if self.success is not None else self.succes


answer_hook(AnnulmentResult)
