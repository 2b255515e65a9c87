"""The decode table against the local sandbox: each ambiguous answer, in the sandbox's
best-evidenced form and in its other known form (``FakeOpenfactura(variant=...)``), must
read to the same value. The oracle is the sandbox itself: it holds the same state in both
runs and only changes the form of its answers.

Skipped while the sandbox has no ``variant`` switch.
"""

from __future__ import annotations

import datetime as dt
import inspect
from decimal import Decimal
from typing import Any

import pytest
from examples import EMISOR, RECEPTOR
from test_api_decode import READERS

import openfactura
from openfactura.dte import Detalle, Factura
from openfactura.testing import FakeOpenfactura

pytestmark = pytest.mark.skipif(
    "variant" not in inspect.signature(FakeOpenfactura).parameters,
    reason="the sandbox has no variant switch yet",
)

LINE = Detalle(nmb_item="Hosting", qty_item=Decimal(1), prc_item=Decimal(2000))


def _normal(value: Any, token: str) -> Any:
    """``value`` without what differs between two sandboxes: the token, the PDF's bytes."""
    if isinstance(value, str) and value == token:
        return "<token>"
    if isinstance(value, bytes) and value.startswith(b"%PDF"):
        return "<pdf>"
    if isinstance(value, (list, tuple)):
        return [_normal(item, token) for item in value]
    return value


async def _outcomes(variant: str) -> dict[str, Any]:
    """What every reader of the decode table reads from a sandbox in ``variant``."""
    out: dict[str, Any] = {}
    unreadable: list[str] = []
    async with FakeOpenfactura(rate_limits=None, variant=variant) as fake:  # type: ignore[call-arg]
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=None
        ) as client:
            factura = Factura.build(
                emisor=EMISOR, receptor=RECEPTOR, detalle=[LINE], fch_emis=dt.date.today()
            )
            # the key the OF-06 reader sends again: its answer is a replay
            emitted = await client.documents.emit(factura, idempotency_key="o-1")
            for shape, reader in READERS.items():
                try:
                    value = reader.read(await reader.call(client, emitted.token))
                except (openfactura.ResponseDecodeError, openfactura.ValidationError) as exc:
                    value = f"UNREADABLE {type(exc).__name__}: {exc}"  # never equal to "best"
                    unreadable.append(f"{shape} ({variant}): {value}")
                except openfactura.OpenfacturaError as exc:
                    value = type(exc).__name__  # the same refusal in both forms
                out[shape] = _normal(value, emitted.token)
    assert unreadable == []
    return out


async def test_both_sandbox_variants_read_alike() -> None:
    best = await _outcomes("best")
    alternate = await _outcomes("alternate")
    assert alternate == best
    assert best["OF-06 token"] == ["<token>", True]  # the replay was read in both forms
