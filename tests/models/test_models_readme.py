"""The README's "Writing documents" examples run as written, each on its own, and every
document they build is accepted by the local sandbox (its own amount engine included)."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openfactura import Openfactura
from openfactura.dte import Document
from openfactura.testing import FakeOpenfactura

README = Path(__file__).resolve().parents[2] / "README.md"


def section_blocks(title: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end != -1 else None]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


BLOCKS = section_blocks("Writing documents")


def test_the_section_has_its_examples() -> None:
    assert len(BLOCKS) == 7


@pytest.fixture(scope="module")
def client() -> Iterator[Openfactura]:
    with (
        FakeOpenfactura(rate_limits=None) as fake,
        Openfactura(fake.api_key, base_url=fake.base_url, rate_limits=None) as sync_client,
    ):
        yield sync_client


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_each_block_runs_alone_and_its_documents_are_accepted(
    index: int, client: Openfactura
) -> None:
    namespace: dict[str, Any] = {}
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        exec(compile(BLOCKS[index], f"README block {index}", "exec"), namespace)
    for name, value in namespace.items():
        if not isinstance(value, Document):
            continue
        if name == "draft":  # the validation example: its problems are the point
            assert value.validate()
            assert "Detalle[0].NmbItem Largo máximo 80 caracteres" in printed.getvalue()
            continue
        if value.encabezado.id_doc.folio:  # type: ignore[attr-defined]
            continue  # read back from the API (parse_xml): emitted already, with its folio
        assert value.validate() == [], name
        assert client.documents.emit(value).folio, name
