"""Page-by-page iteration of the document lists (30 rows a page, 204 = no rows).

:class:`AsyncPager` is what ``client.documents.issued(...)`` returns::

    async for row in client.documents.issued(tipo_dte=33):   # every row, page by page
        ...
    async for page in client.documents.issued().pages():      # page objects
        ...
    page = await client.documents.issued().first_page()       # one request

Only one page is held in memory at a time. :class:`SyncPager` is its blocking twin.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast

import attrs

from .._decode import decode
from .._exceptions import ValidationError, shown
from ._filters import Predicate, matches

if TYPE_CHECKING:
    from .._client import AsyncOpenfactura
    from .._sync import LoopThread

__all__ = ["AsyncPager", "SyncPager"]

RowT = TypeVar("RowT")
RowT_co = TypeVar("RowT_co", covariant=True)


class _Page(Protocol[RowT_co]):
    @property
    def current_page(self) -> int: ...
    @property
    def last_page(self) -> int: ...
    @property
    def data(self) -> Sequence[RowT_co]: ...


PageT = TypeVar("PageT", bound=_Page[Any])


class AsyncPager(Generic[RowT, PageT]):
    """An async iterable over every row of a document list, requested one page at a time.

    The request body (filters) is fixed when the pager is made; iterating it twice sends
    the requests twice. Filters applied on our side (``folio``, "any of" lists) remove rows
    from each page's ``data``; ``total``/``last_page`` stay the API's figures.
    """

    __slots__ = ("_body", "_client", "_page_type", "_path", "_predicates", "_start")

    def __init__(
        self,
        client: AsyncOpenfactura,
        path: str,
        body: Mapping[str, Any],
        page_type: type[PageT],
        predicates: Sequence[Predicate] = (),
        start_page: int = 1,
    ) -> None:
        if isinstance(start_page, bool) or not isinstance(start_page, int) or start_page < 1:
            raise ValidationError(
                "Invalid start_page",
                [("start_page", f"{shown(start_page)} is not a page number >= 1")],
            )
        self._client = client
        self._path = path
        self._body = dict(body)
        self._page_type = page_type
        self._predicates = tuple(predicates)
        self._start = start_page

    @property
    def filters(self) -> dict[str, Any]:
        """The filters as sent to the API (operator form, without ``Page``)."""
        return dict(self._body)

    async def page(self, number: int) -> PageT:
        """Fetch page ``number`` (1-based). A page with no rows (HTTP 204) comes back empty.

        Raises :class:`ResponseDecodeError` for an answer that is not a page (rows
        without ``TipoDTE``...); ``last_page: "N/A"`` is read as "no more pages".
        """
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ValidationError(
                "Invalid page", [("Page", f"{shown(number)} is not a page number >= 1")]
            )
        body = {**self._body, "Page": number}
        response = await self._client._request("POST", self._path, json=body, safe=True)
        if response.data is None or response.data == []:
            return self._page_type(current_page=number, last_page=number, total=0, data=[])  # type: ignore[call-arg]
        page = decode(response, self._page_type, "a page of the document list")
        if self._predicates:
            rows = [row for row in page.data if matches(self._predicates, row)]
            page = cast(PageT, attrs.evolve(cast(Any, page), data=rows))
        return page

    async def first_page(self) -> PageT:
        """The first page only (one request)."""
        return await self.page(self._start)

    async def pages(self) -> AsyncIterator[PageT]:
        """Every page in order, until ``current_page == last_page`` or an empty answer."""
        number = self._start
        while True:
            page = await self.page(number)
            yield page
            if page.current_page >= page.last_page or number >= page.last_page:
                return
            if not page.data and not self._predicates:
                return
            number += 1

    async def _rows(self) -> AsyncIterator[RowT]:
        async for page in self.pages():
            for row in page.data:
                yield row

    def __aiter__(self) -> AsyncIterator[RowT]:
        return self._rows()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._path} filters={self._body!r}>"


class SyncPager(Generic[RowT, PageT]):
    """Blocking :class:`AsyncPager`: ``for row in pager``, ``.pages()``, ``.first_page()``."""

    __slots__ = ("_async", "_runner")

    def __init__(self, pager: AsyncPager[RowT, PageT], runner: LoopThread) -> None:
        self._async = pager
        self._runner = runner

    @property
    def filters(self) -> dict[str, Any]:
        """See :attr:`AsyncPager.filters`."""
        return self._async.filters

    def page(self, number: int) -> PageT:
        """See :meth:`AsyncPager.page`."""
        return self._runner.run(self._async.page(number))

    def first_page(self) -> PageT:
        """See :meth:`AsyncPager.first_page`."""
        return self._runner.run(self._async.first_page())

    def pages(self) -> Iterator[PageT]:
        """See :meth:`AsyncPager.pages`."""
        return self._runner.iterate(self._async.pages())

    def __iter__(self) -> Iterator[RowT]:
        return self._runner.iterate(aiter(self._async))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._async!r}>"
