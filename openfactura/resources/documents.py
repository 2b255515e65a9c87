"""``client.documents``: emit, read, wait for, list and answer electronic documents (DTE).

Usage::

    result = await client.documents.emit(factura)          # token + folio, no PDF
    final = await client.documents.wait(result.token)      # Aceptado / Rechazado / ...
    pdf = await client.documents.pdf(result.token)
    pdf.save(f"factura-{result.folio}.pdf")

    async for row in client.documents.issued(fch_emis=("2026-09-01", "2026-09-30")):
        print(row.folio, row.mnt_total)

The blocking client has the same methods without ``await`` (iterators are plain ones).
"""

from __future__ import annotations

import asyncio
import enum
import time
import warnings
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from .._converter import unstructure
from .._decode import decode
from .._exceptions import ValidationError, WaitTimeoutError, shown
from .._observe import warning_stacklevel
from ..bulk._methods import EmitMany, SyncEmitMany
from ..types._common import OpenfacturaWarning
from ..types.accuse import AccuseResult
from ..types.annulment import AnnulmentResult
from ..types.documents import (
    DocumentJson,
    IssuedDocument,
    IssuedPage,
    PdfFile,
    ReceivedDocument,
    ReceivedPage,
    StatusResult,
    XmlFile,
)
from ..types.emission import Custom, EmissionResult, SendEmail
from ..types.self_service import Customer, CustomizePage, SelfService
from . import _emission, _filters
from ._base import AsyncResource, SyncResource
from ._common import RutLike, as_date, as_int, as_list, as_rut, segment
from ._pagination import AsyncPager, SyncPager

if TYPE_CHECKING:
    from .._client import AsyncOpenfactura
    from ..dte import Document

__all__ = ["Documents", "SyncDocuments"]

T = TypeVar("T")

_RESPONSE_ITEMS = frozenset(
    {
        "TOKEN",
        "FOLIO",
        "PDF",
        "XML",
        "TIMBRE",
        "LOGO",
        "RESOLUCION",
        "LETTER",
        "80MM",
        "80MMNOLOGO",
        "LETTER_80MM",
        "SELF_SERVICE",
    }
)
_ACUSES = frozenset({"ACD", "RCD", "ERM", "RFP", "RFT"})

_ISSUED_FILTERS = {
    "rut_recep": _filters.FilterSpec("RUTRecep", "rut"),
    "fch_emis": _filters.FilterSpec("FchEmis", "date"),
    "tipo_dte": _filters.FilterSpec("TipoDTE", "int"),
    "folio": _filters.FilterSpec("Folio", "int", server_side=False),
}
_RECEIVED_FILTERS = {
    "rut_emisor": _filters.FilterSpec("RUTEmisor", "rut"),
    "fch_emis": _filters.FilterSpec("FchEmis", "date"),
    "tipo_dte": _filters.FilterSpec("TipoDTE", "int"),
    "fch_recep_of": _filters.FilterSpec("FchRecepOF", "date"),
    "fch_recep_sii": _filters.FilterSpec("FchRecepSII", "date"),
    "folio": _filters.FilterSpec("Folio", "int", server_side=False),
}

IssuedPager = AsyncPager[IssuedDocument, IssuedPage]
ReceivedPager = AsyncPager[ReceivedDocument, ReceivedPage]


def _item_text(item: Any) -> str:
    value = item.value if isinstance(item, enum.Enum) else item
    return value if isinstance(value, str) else shown(value)


def _optional_part(name: str, value: Any, model: type) -> Any:
    """An optional body part given as its model or as a wire-format mapping."""
    if value is None:
        return None
    if isinstance(value, model):
        return unstructure(value)
    if isinstance(value, Mapping):
        return dict(value)
    raise ValidationError(
        f"Invalid {name}",
        [(name, f"expected {model.__name__} or a dict, got {type(value).__name__}")],
    )


def _dte_wire(
    dte: Any, *, validate: bool, iva_exceptional: bool, self_service: bool
) -> dict[str, Any]:
    """The ``dte`` body from a model of :mod:`openfactura.dte` or a wire-format dict.

    A self-service dict without ``IdDoc.TipoDTE`` (the API does not need it in that mode)
    cannot be checked locally: it is sent as given.
    """
    from .. import dte as models

    if isinstance(dte, models.Document):
        if validate:
            models.ensure_valid(dte, iva_exceptional=iva_exceptional)
        return models.to_wire(dte)
    if isinstance(dte, Mapping):
        data = dict(dte)
        id_doc = (data.get("Encabezado") or {}).get("IdDoc") or {}
        if self_service and isinstance(id_doc, Mapping) and "TipoDTE" not in id_doc:
            validate = False
        if validate:
            problems = models.validate(data, iva_exceptional=iva_exceptional)
            if problems:
                raise ValidationError(
                    f"The document has {len(problems)} problem(s); nothing was sent", problems
                )
        return data
    raise ValidationError(
        "Invalid dte",
        [("dte", f"expected a document model or a dict in wire format, got {type(dte).__name__}")],
    )


def _response_items(
    response: Sequence[Any] | str, *, self_service: bool, strict: bool
) -> list[str]:
    items = [response] if isinstance(response, (str, enum.Enum)) else as_list("response", response)
    out = list(dict.fromkeys(_item_text(item).strip().upper() for item in items))
    if strict:
        unknown = [item for item in out if item not in _RESPONSE_ITEMS]
        if unknown:
            raise ValidationError(
                "Invalid response items",
                [
                    (
                        "response",
                        f"unknown item {shown(item)}; known: {', '.join(sorted(_RESPONSE_ITEMS))}",
                    )
                    for item in unknown
                ],
            )
    if self_service and "SELF_SERVICE" not in out:
        out.append("SELF_SERVICE")
    return out


class Documents(AsyncResource, EmitMany):
    """Electronic documents: emission (E1), reads (E2/E3), lists (E4/E5), accuse (E6),
    voiding a guía (E13), and waiting for the SII's verdict; ``emit_many``: openfactura/bulk/."""

    __slots__ = ("_clock", "_sleep")

    def __init__(self, client: AsyncOpenfactura) -> None:
        super().__init__(client)
        self._clock: Callable[[], float] = time.monotonic
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    # -- emission ---------------------------------------------------------------------------

    async def emit(
        self,
        dte: Document | Mapping[str, Any],
        *,
        response: Sequence[Any] | str = ("FOLIO",),
        idempotency_key: str | None = None,
        custom: Custom | Mapping[str, Any] | None = None,
        send_email: SendEmail | Mapping[str, Any] | None = None,
        iva_exceptional: Sequence[str] | str | None = None,
        self_service: SelfService | Mapping[str, Any] | None = None,
        customer: Customer | Mapping[str, Any] | None = None,
        customize_page: CustomizePage | Mapping[str, Any] | None = None,
        validate: bool = True,
    ) -> EmissionResult:
        """Emit a DTE (``POST /v2/dte/document``) and return its token (and folio).

        ``dte`` is a document model of :mod:`openfactura.dte` (``Factura``, ``Boleta``...)
        or a dict in the API's wire format. It is validated locally first (every problem
        at once, nothing sent) unless ``validate=False``.

        ``response`` lists what to get back besides the token
        (:class:`~openfactura.dte.ResponseItem` or strings): ``FOLIO`` by default — no
        ``PDF``, which is most of the emission time; fetch it later with :meth:`pdf`.
        ``self_service=`` adds ``SELF_SERVICE``.

        An ``Idempotency-Key`` is always sent: yours, or a new random one, the same on
        every retry. If the key already emitted a document (``OF-06``) the result is that
        document with ``replayed=True``: its token, and the ``FOLIO``, ``PDF`` and ``XML``
        you asked for, read by token (extra requests within the same ``timeout``).
        Whenever the document may exist but the answer does not prove it (connection
        lost, a 5xx, an answer that cannot be read, ``timeout`` reached), you get
        :class:`OutcomeUnknownError`: re-send with ``idempotency_key=exc.idempotency_key``.
        Under your own ``asyncio.timeout``/``wait_for`` you get ``TimeoutError``, and
        ``OutcomeUnknownError.find(exc)`` gives the key.

        A ``WARNING`` in the answer is on ``result.warning`` and is also emitted once as
        an :class:`~openfactura.types.OpenfacturaWarning`.

        >>> result = await client.documents.emit(factura, idempotency_key="order-1234")
        >>> result.token, result.folio  # doctest: +SKIP

        Raises :class:`ValidationError` (local checks), :class:`InvalidRequestError`
        (``OF-xx``, see ``exc.details``), :class:`PermissionDeniedError` (``OF-03``),
        :class:`AuthenticationError`, :class:`RateLimitError`, :class:`OutcomeUnknownError`.
        """
        key = _emission.check_key(idempotency_key)
        items = _response_items(response, self_service=self_service is not None, strict=validate)
        body: dict[str, Any] = {"response": items}
        if isinstance(iva_exceptional, str):
            iva_exceptional = [iva_exceptional]
        body["dte"] = _dte_wire(
            dte,
            validate=validate,
            iva_exceptional=bool(iva_exceptional),
            self_service=self_service is not None,
        )
        parts: dict[str, Any] = {
            "custom": _optional_part("custom", custom, Custom),
            "sendEmail": _optional_part("send_email", send_email, SendEmail),
            "ivaExceptional": None
            if iva_exceptional is None
            else as_list("iva_exceptional", iva_exceptional),
            "selfService": _optional_part("self_service", self_service, SelfService),
            "customer": _optional_part("customer", customer, Customer),
            "customizePage": _optional_part("customize_page", customize_page, CustomizePage),
        }
        body.update({name: part for name, part in parts.items() if part is not None})
        result = await _emission.send_emission(self._client, body, key, items)
        if result.warning:
            warnings.warn(
                f"Openfactura: {result.warning} (token {result.token})",
                OpenfacturaWarning,
                stacklevel=warning_stacklevel(),
            )
        return result

    # -- reads ------------------------------------------------------------------------------

    def _read_path(
        self,
        value: str,
        token: str | None,
        rut: RutLike | None,
        dte_type: int | None,
        folio: int | None,
    ) -> str:
        by_folio = (rut, dte_type, folio)
        if token is not None:
            if any(part is not None for part in by_folio):
                raise ValidationError(
                    "Pass either a token or rut + dte_type + folio, not both",
                    [("token", "given together with rut/dte_type/folio")],
                )
            if not isinstance(token, str) or not token.strip():
                raise ValidationError(
                    "Invalid token", [("token", f"{shown(token)} is not a token")]
                )
            return f"/v2/dte/document/{segment(token.strip())}/{value}"
        if any(part is None for part in by_folio):
            raise ValidationError(
                "Pass a token, or the issuer's rut with dte_type and folio",
                [
                    (name, "missing")
                    for name, part in zip(("rut", "dte_type", "folio"), by_folio, strict=True)
                    if part is None
                ],
            )
        rut_text = segment(str(as_rut("rut", rut)))
        kind = as_int("dte_type", dte_type)
        number = as_int("folio", folio)
        return f"/v2/dte/document/{rut_text}/{kind}/{number}/{value}"

    async def _read(
        self,
        value: str,
        token: str | None,
        rut: RutLike | None,
        dte_type: int | None,
        folio: int | None,
        model: type[T],
    ) -> T:
        path = self._read_path(value, token, rut, dte_type, folio)
        answer = await self._client._request("GET", path)
        return decode(answer, model, f"the document's {value}")

    async def status(
        self,
        token: str | None = None,
        *,
        rut: RutLike | None = None,
        dte_type: int | None = None,
        folio: int | None = None,
    ) -> StatusResult:
        """The SII status of an issued document, by token or by issuer RUT + type + folio.

        Calls ``GET /v2/dte/document/{token}/status`` or
        ``GET /v2/dte/document/{rut}/{type}/{folio}/status``. ``result.estado`` is a
        :class:`DocumentStatus` (``Pendiente`` and ``Sin estado`` are not final). The
        ``token`` or ``folio`` asked for is on the result even when the API left it out.

        >>> (await client.documents.status(token)).is_final  # doctest: +SKIP
        >>> await client.documents.status(rut="76795561-8", dte_type=33, folio=2514)

        Raises :class:`NotFoundError` (``OF-22``, unknown folio), :class:`InvalidRequestError`,
        :class:`ValidationError` (bad arguments, nothing sent), :class:`ResponseDecodeError`.
        """
        result = await self._read("status", token, rut, dte_type, folio, StatusResult)
        if token is not None and result.token is None:
            return attrs.evolve(result, token=token.strip())
        if folio is not None and result.folio is None:
            return attrs.evolve(result, folio=as_int("folio", folio))
        return result

    async def get(
        self,
        token: str | None = None,
        *,
        rut: RutLike | None = None,
        dte_type: int | None = None,
        folio: int | None = None,
    ) -> DocumentJson:
        """The document as JSON, with ``FchRecepOF``/``FchRecepSII`` (``GET .../json``).

        >>> doc = await client.documents.get(token)  # doctest: +SKIP
        >>> doc.json["Encabezado"]["Totales"]["MntTotal"], doc.fch_recep_sii  # doctest: +SKIP

        Raises :class:`NotFoundError` (``OF-22``), :class:`InvalidRequestError`,
        :class:`ValidationError`, :class:`ResponseDecodeError`.
        """
        return await self._read("json", token, rut, dte_type, folio, DocumentJson)

    async def pdf(
        self,
        token: str | None = None,
        *,
        rut: RutLike | None = None,
        dte_type: int | None = None,
        folio: int | None = None,
    ) -> PdfFile:
        """The document's PDF (``GET .../pdf``), generated on demand in the emission's format.

        >>> pdf = await client.documents.pdf(token)  # doctest: +SKIP
        >>> pdf.save("factura.pdf")                   # refuses to overwrite  # doctest: +SKIP

        Raises :class:`NotFoundError` (``OF-22``), :class:`InvalidRequestError`,
        :class:`ResponseDecodeError` (an answer without a PDF), :class:`ValidationError`.
        """
        return await self._read("pdf", token, rut, dte_type, folio, PdfFile)

    async def cedible(
        self,
        token: str | None = None,
        *,
        rut: RutLike | None = None,
        dte_type: int | None = None,
        folio: int | None = None,
    ) -> PdfFile:
        """The cedible copy's PDF (``GET .../cedible``); boletas have none (``OF-10``).

        >>> (await client.documents.cedible(token)).save("cedible.pdf")  # doctest: +SKIP

        Raises :class:`InvalidRequestError` (``Documento sin cedible``), :class:`NotFoundError`,
        :class:`ResponseDecodeError`, :class:`ValidationError`.
        """
        return await self._read("cedible", token, rut, dte_type, folio, PdfFile)

    async def xml(
        self,
        token: str | None = None,
        *,
        rut: RutLike | None = None,
        dte_type: int | None = None,
        folio: int | None = None,
    ) -> XmlFile:
        """The signed XML (``GET .../xml``), decoded from base64 ISO-8859-1 to text.

        >>> xml = await client.documents.xml(token)  # doctest: +SKIP
        >>> xml.content[:5], xml.save("factura.xml")  # doctest: +SKIP

        Raises :class:`NotFoundError` (``OF-22``), :class:`InvalidRequestError`,
        :class:`ResponseDecodeError` (no XML in the answer), :class:`ValidationError`.
        """
        return await self._read("xml", token, rut, dte_type, folio, XmlFile)

    # -- waiting for the SII --------------------------------------------------------------

    async def wait(
        self,
        token: str,
        *,
        timeout: float = 300.0,
        interval: float = 5.0,
        max_interval: float = 30.0,
    ) -> StatusResult:
        """Poll the status until the SII decides; return the final :class:`StatusResult`.

        Checks at once, then after ``interval`` seconds, growing ×1.5 up to
        ``max_interval``. Every poll is an ordinary request, so it shares the client's
        rate budget. A final status may be ``Rechazado``: check ``result.estado``.

        >>> result = await client.documents.emit(factura)  # doctest: +SKIP
        >>> final = await client.documents.wait(result.token, timeout=180)  # doctest: +SKIP
        >>> final.estado.is_accepted  # doctest: +SKIP

        Raises :class:`WaitTimeoutError` after ``timeout`` seconds (with the last status),
        and whatever :meth:`status` raises.
        """
        _check_wait_args(timeout, interval, max_interval)
        deadline = self._clock() + timeout
        delay = interval
        while True:
            result = await self.status(token)
            if result.is_final:
                return result
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise WaitTimeoutError(
                    f"Document {token} is still {str(result.estado)!r} after {timeout:g}s.",
                    tokens=[token],
                    statuses={token: str(result.estado)},
                    timeout=timeout,
                )
            await self._sleep(min(delay, remaining))
            delay = min(delay * 1.5, max_interval)

    async def wait_many(
        self,
        tokens: Iterable[str],
        *,
        timeout: float = 600.0,
        interval: float = 5.0,
        max_interval: float = 30.0,
        concurrency: int = 3,
    ) -> AsyncIterator[StatusResult]:
        """Wait for many documents; yield each :class:`StatusResult` as soon as it is final.

        Rounds of polls go round-robin over the undecided tokens, at most ``concurrency``
        requests in flight, and a round starts at most every ``interval`` seconds (growing
        ×1.5 up to ``max_interval``), all through the client's rate limiter, so other
        calls keep their share. Results come in the order they become final.

        >>> async for final in client.documents.wait_many(tokens):  # doctest: +SKIP
        ...     print(final.token, final.estado)

        Raises :class:`WaitTimeoutError` (``exc.tokens``: the undecided ones, after the
        decided ones were yielded) and whatever :meth:`status` raises.
        """
        _check_wait_args(timeout, interval, max_interval)
        concurrency = as_int("concurrency", concurrency)
        pending = as_list("tokens", tokens)
        for token in pending:
            if not isinstance(token, str) or not token.strip():
                raise ValidationError(
                    "Invalid token", [("tokens", f"{shown(token)} is not a token")]
                )
        pending = list(dict.fromkeys(pending))
        deadline = self._clock() + timeout
        delay = interval
        last: dict[str, str] = {}
        while pending:
            started = self._clock()
            undecided: list[str] = []
            for start in range(0, len(pending), concurrency):
                if start and self._clock() >= deadline:  # time is up in the middle of a round
                    undecided.extend(pending[start:])
                    break
                chunk = pending[start : start + concurrency]
                results = await asyncio.gather(
                    *(self.status(token) for token in chunk), return_exceptions=True
                )
                for token, result in zip(chunk, results, strict=True):
                    if isinstance(result, BaseException):
                        raise result
                    if result.is_final:
                        yield result
                    else:
                        undecided.append(token)
                        last[token] = str(result.estado)
            pending = undecided
            if not pending:
                return
            now = self._clock()
            if now >= deadline:
                raise WaitTimeoutError(
                    f"{len(pending)} document(s) still undecided after {timeout:g}s.",
                    tokens=pending,
                    statuses={token: last[token] for token in pending if token in last},
                    timeout=timeout,
                )
            pause = min(max(delay - (now - started), 0.0), deadline - now)
            if pause > 0:
                await self._sleep(pause)
            delay = min(delay * 1.5, max_interval)

    # -- lists ------------------------------------------------------------------------------

    def issued(
        self,
        *,
        rut_recep: Any = None,
        fch_emis: Any = None,
        tipo_dte: Any = None,
        folio: Any = None,
        start_page: int = 1,
    ) -> AsyncPager[IssuedDocument, IssuedPage]:
        """Issued documents (``POST /v2/dte/document/issued``), 30 a page, every page.

        Filters (all optional, combined with AND): ``rut_recep`` the **receiver**'s RUT
        (``"66666666-6"``, ``Rut`` or the body as ``int``), ``fch_emis`` issue date,
        ``tipo_dte`` document type. Each takes a value (``eq``), a :class:`Filter`
        (``Filter(gte=..., lte=...)``, ``ne``, ``lt``...) or a ``{"gte": ...}`` dict;
        ``fch_emis`` also takes a ``(start, end)`` pair (inclusive, ``None`` = open), and
        ``tipo_dte``/``rut_recep`` a list meaning "any of" (the API has no ``in``: the
        range is narrowed on the server and the rest is filtered here). ``folio`` is not
        a filter the API knows (it would ignore it): it is applied here, on every page.

        >>> rows = client.documents.issued(tipo_dte=39, fch_emis=("2026-09-01", None))
        >>> async for row in rows:  # doctest: +SKIP
        ...     print(row.folio, row.token)
        >>> page = await client.documents.issued().first_page()  # doctest: +SKIP

        Nothing is sent until you iterate. Raises :class:`ValidationError` (bad filter,
        at once) and, while iterating, :class:`InvalidRequestError` and the usual errors.
        """
        body, predicates = _filters.build(
            _ISSUED_FILTERS,
            {"rut_recep": rut_recep, "fch_emis": fch_emis, "tipo_dte": tipo_dte, "folio": folio},
        )
        return AsyncPager(
            self._client, "/v2/dte/document/issued", body, IssuedPage, predicates, start_page
        )

    def received(
        self,
        *,
        rut_emisor: Any = None,
        fch_emis: Any = None,
        tipo_dte: Any = None,
        fch_recep_of: Any = None,
        fch_recep_sii: Any = None,
        folio: Any = None,
        start_page: int = 1,
    ) -> AsyncPager[ReceivedDocument, ReceivedPage]:
        """Received documents (``POST /v2/dte/document/received``), 30 a page, every page.

        Filters as in :meth:`issued`: ``rut_emisor`` (the supplier), ``fch_emis``,
        ``tipo_dte``, ``fch_recep_of`` (received by Openfactura), ``fch_recep_sii``
        (received by the SII), and ``folio`` (applied here).

        >>> rows = client.documents.received(fch_recep_of=("2026-09-01", "2026-09-30"))
        >>> async for row in rows:  # doctest: +SKIP
        ...     print(row.emisor_rut, row.folio, row.acuses)

        Raises :class:`ValidationError` (bad filter) and, while iterating, the usual errors.
        """
        body, predicates = _filters.build(
            _RECEIVED_FILTERS,
            {
                "rut_emisor": rut_emisor,
                "fch_emis": fch_emis,
                "tipo_dte": tipo_dte,
                "fch_recep_of": fch_recep_of,
                "fch_recep_sii": fch_recep_sii,
                "folio": folio,
            },
        )
        return AsyncPager(
            self._client, "/v2/dte/document/received", body, ReceivedPage, predicates, start_page
        )

    # -- answers and voiding ----------------------------------------------------------------

    async def accuse(self, rut: RutLike, dte_type: int, folio: int, acuse: Any) -> AccuseResult:
        """Accept or claim a received document (``POST /v2/dte/document/received/accuse``).

        ``rut`` is the **issuer** of the received document; ``acuse`` one of ``ACD``
        (accept content), ``RCD`` (claim content), ``ERM`` (goods/services received),
        ``RFP``/``RFT`` (claim partial/total shortfall), as :class:`openfactura.dte.Acuse`
        or text. This writes to the SII and is **not** retried automatically.

        >>> await client.documents.accuse("76795561-8", 33, 2514, "ACD")  # doctest: +SKIP

        Raises :class:`ValidationError` (bad arguments), :class:`InvalidRequestError`,
        :class:`NotFoundError`, :class:`APIConnectionError` (not retried: check before
        sending again).
        """
        code = _item_text(acuse).strip().upper()
        if code not in _ACUSES:
            raise ValidationError(
                "Invalid acuse",
                [("acuse", f"{shown(acuse)} is not one of {', '.join(sorted(_ACUSES))}")],
            )
        body = {
            "dte": as_int("dte_type", dte_type),
            "folio": as_int("folio", folio),
            "rut": str(as_rut("rut", rut)),
            "acuse": code,
        }
        answer = await self._client._request(
            "POST", "/v2/dte/document/received/accuse", json=body, safe=False
        )
        return decode(answer, AccuseResult, "the accuse result")

    async def annul_guia(self, folio: int, fecha: Any) -> AnnulmentResult:
        """Void a guía de despacho (type 52) (``POST /v2/dte/anularDTE52``).

        ``fecha`` is the guía's issue date (``date`` or ``"YYYY-MM-DD"``). A guía can be
        voided once; a second time is an API error. Not retried automatically.

        >>> await client.documents.annul_guia(34972, "2020-10-16")  # doctest: +SKIP

        Raises :class:`ValidationError`, :class:`InvalidRequestError` (``OF-10``...),
        :class:`APIConnectionError`.
        """
        body = {
            "Dte": 52,
            "Folio": as_int("folio", folio),
            "Fecha": as_date("fecha", fecha).isoformat(),
        }
        answer = await self._client._request("POST", "/v2/dte/anularDTE52", json=body, safe=False)
        return decode(answer, AnnulmentResult, "the annulment result")


def _check_wait_args(timeout: float, interval: float, max_interval: float) -> None:
    problems = [
        (name, f"{shown(value)} must be a positive number of seconds (at most 1e9)")
        for name, value in (
            ("timeout", timeout),
            ("interval", interval),
            ("max_interval", max_interval),
        )
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1e9
    ]
    if problems:
        raise ValidationError("Invalid wait arguments", problems)


class SyncDocuments(SyncResource[Documents], SyncEmitMany):
    """Blocking :class:`Documents` (same methods, no ``await``; iterators are plain)."""

    __slots__ = ()

    def emit(
        self,
        dte: Document | Mapping[str, Any],
        *,
        response: Sequence[Any] | str = ("FOLIO",),
        idempotency_key: str | None = None,
        custom: Custom | Mapping[str, Any] | None = None,
        send_email: SendEmail | Mapping[str, Any] | None = None,
        iva_exceptional: Sequence[str] | str | None = None,
        self_service: SelfService | Mapping[str, Any] | None = None,
        customer: Customer | Mapping[str, Any] | None = None,
        customize_page: CustomizePage | Mapping[str, Any] | None = None,
        validate: bool = True,
    ) -> EmissionResult:
        """See :meth:`Documents.emit`."""
        return self._run(
            self._async.emit(
                dte,
                response=response,
                idempotency_key=idempotency_key,
                custom=custom,
                send_email=send_email,
                iva_exceptional=iva_exceptional,
                self_service=self_service,
                customer=customer,
                customize_page=customize_page,
                validate=validate,
            )
        )

    def status(
        self,
        token: str | None = None,
        *,
        rut: RutLike | None = None,
        dte_type: int | None = None,
        folio: int | None = None,
    ) -> StatusResult:
        """See :meth:`Documents.status`."""
        return self._run(self._async.status(token, rut=rut, dte_type=dte_type, folio=folio))

    def get(
        self,
        token: str | None = None,
        *,
        rut: RutLike | None = None,
        dte_type: int | None = None,
        folio: int | None = None,
    ) -> DocumentJson:
        """See :meth:`Documents.get`."""
        return self._run(self._async.get(token, rut=rut, dte_type=dte_type, folio=folio))

    def pdf(
        self,
        token: str | None = None,
        *,
        rut: RutLike | None = None,
        dte_type: int | None = None,
        folio: int | None = None,
    ) -> PdfFile:
        """See :meth:`Documents.pdf`."""
        return self._run(self._async.pdf(token, rut=rut, dte_type=dte_type, folio=folio))

    def cedible(
        self,
        token: str | None = None,
        *,
        rut: RutLike | None = None,
        dte_type: int | None = None,
        folio: int | None = None,
    ) -> PdfFile:
        """See :meth:`Documents.cedible`."""
        return self._run(self._async.cedible(token, rut=rut, dte_type=dte_type, folio=folio))

    def xml(
        self,
        token: str | None = None,
        *,
        rut: RutLike | None = None,
        dte_type: int | None = None,
        folio: int | None = None,
    ) -> XmlFile:
        """See :meth:`Documents.xml`."""
        return self._run(self._async.xml(token, rut=rut, dte_type=dte_type, folio=folio))

    def wait(
        self,
        token: str,
        *,
        timeout: float = 300.0,
        interval: float = 5.0,
        max_interval: float = 30.0,
    ) -> StatusResult:
        """See :meth:`Documents.wait`."""
        return self._run(
            self._async.wait(token, timeout=timeout, interval=interval, max_interval=max_interval)
        )

    def wait_many(
        self,
        tokens: Iterable[str],
        *,
        timeout: float = 600.0,
        interval: float = 5.0,
        max_interval: float = 30.0,
        concurrency: int = 3,
    ) -> Iterator[StatusResult]:
        """See :meth:`Documents.wait_many` (a plain iterator here)."""
        return self._iterate(
            self._async.wait_many(
                tokens,
                timeout=timeout,
                interval=interval,
                max_interval=max_interval,
                concurrency=concurrency,
            )
        )

    def issued(
        self,
        *,
        rut_recep: Any = None,
        fch_emis: Any = None,
        tipo_dte: Any = None,
        folio: Any = None,
        start_page: int = 1,
    ) -> SyncPager[IssuedDocument, IssuedPage]:
        """See :meth:`Documents.issued` (``for row in ...``, ``.pages()``, ``.first_page()``)."""
        return SyncPager(
            self._async.issued(
                rut_recep=rut_recep,
                fch_emis=fch_emis,
                tipo_dte=tipo_dte,
                folio=folio,
                start_page=start_page,
            ),
            self._runner,
        )

    def received(
        self,
        *,
        rut_emisor: Any = None,
        fch_emis: Any = None,
        tipo_dte: Any = None,
        fch_recep_of: Any = None,
        fch_recep_sii: Any = None,
        folio: Any = None,
        start_page: int = 1,
    ) -> SyncPager[ReceivedDocument, ReceivedPage]:
        """See :meth:`Documents.received`."""
        return SyncPager(
            self._async.received(
                rut_emisor=rut_emisor,
                fch_emis=fch_emis,
                tipo_dte=tipo_dte,
                fch_recep_of=fch_recep_of,
                fch_recep_sii=fch_recep_sii,
                folio=folio,
                start_page=start_page,
            ),
            self._runner,
        )

    def accuse(self, rut: RutLike, dte_type: int, folio: int, acuse: Any) -> AccuseResult:
        """See :meth:`Documents.accuse`."""
        return self._run(self._async.accuse(rut, dte_type, folio, acuse))

    def annul_guia(self, folio: int, fecha: Any) -> AnnulmentResult:
        """See :meth:`Documents.annul_guia`."""
        return self._run(self._async.annul_guia(folio, fecha))
