"""The answer to ``POST /document/received/accuse`` (accept or claim a received document).

The API documents this answer by a table only (no example): every field is optional and
anything else it sends is kept in ``extra``.
"""

from __future__ import annotations

from typing import Any

import attrs

from .._fields import extra_field, wire
from ._common import answer_hook

__all__ = ["AccuseItem", "AccuseMessage", "AccuseResult"]


@attrs.frozen(kw_only=True)
class AccuseItem:
    """One accused document (``data[]``)."""

    dte: int | None = wire("dte", default=None)
    folio: int | None = wire("folio", default=None)
    acuse: str | None = wire("acuse", default=None)
    extra: dict[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class AccuseMessage:
    """An SII answer line (``msg[]``)."""

    cod_resp: int | None = wire("codResp", default=None)
    desc_resp: str | None = wire("descResp", default=None)
    extra: dict[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class AccuseResult:
    """What the SII said about the accuse (``code``, ``result``, ``msg``)."""

    data: list[AccuseItem] = wire("data", factory=list)
    code: int | None = wire("code", default=None)
    result: str | None = wire("result", default=None)
    msg: list[AccuseMessage] = wire("msg", factory=list)
    extra: dict[str, Any] = extra_field()


for _model in (AccuseItem, AccuseMessage, AccuseResult):
    answer_hook(_model)
