"""Checked by mypy --strict (see test_typing.py); never executed."""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type

import openfactura


async def async_side(client: openfactura.AsyncOpenfactura) -> None:
    assert_type(await client.request("GET", "/organization"), Any)
    assert_type(client.limiter, openfactura.Limiter | None)


def sync_side(client: openfactura.Openfactura) -> None:
    assert_type(client.request("GET", "/organization"), Any)
    assert_type(client.close(), None)
    with openfactura.Openfactura("k" * 32) as inner:
        assert_type(inner, openfactura.Openfactura)
