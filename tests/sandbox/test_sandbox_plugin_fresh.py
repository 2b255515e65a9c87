"""The pytest plugin in a fresh project that has only ``pip install "openfactura[testing]"``.

Honest but fast: no new virtualenv (that would download the world), but the current
interpreter run in a temporary project of its own (its own rootdir and configuration, none
of this repository's ``conftest.py`` or pytest settings) with plugin autoloading off and
exactly the pytest plugins that ``openfactura[testing]`` installs (its requirements,
followed transitively, from the installed metadata) loaded by hand. So the run sees what a
fresh project would: openfactura's own plugin, and pytest-asyncio only if the extra brings it.
"""

from __future__ import annotations

import importlib.metadata as metadata
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

TESTS = """
import datetime as dt
from decimal import Decimal

import pytest

from openfactura.dte import Detalle, Emisor, Factura, Receptor

EMISOR = Emisor(
    rut_emisor="76795561-8",
    rzn_soc="HAULMER SPA",
    giro_emis="VENTA AL POR MENOR EN EMPRESAS DE VENTA A DISTANCIA",
    acteco=[479100],
    dir_origen="ARTURO PRAT 527",
    cmna_origen="Curicó",
)
RECEPTOR = Receptor(
    rut_recep="76430498-5",
    rzn_soc_recep="HOSTY SPA",
    giro_recep="SERVICIOS",
    dir_recep="ARTURO PRAT 527",
    cmna_recep="Curicó",
)


async def test_invoice_flow(openfactura_client, openfactura_fake):
    factura = Factura.build(
        emisor=EMISOR,
        receptor=RECEPTOR,
        detalle=[Detalle(nmb_item="Servicio", qty_item=Decimal(1), prc_item=Decimal(1000))],
        fch_emis=dt.date.today(),
    )
    result = await openfactura_client.documents.emit(factura)
    openfactura_fake.set_outcome(result.token, "Rechazado")
    final = await openfactura_client.documents.wait(result.token, interval=0.01)
    assert final.estado == "Rechazado"
    assert openfactura_fake.window_overruns() == []


def test_legacy_view(openfactura_sync_client):
    assert openfactura_sync_client.taxpayers.get("76430498-5").razon_social == "HOSTY SPA"


@pytest.mark.asyncio
async def test_marked_by_hand(openfactura_fake):
    assert openfactura_fake.documents == []
"""


def _closure(requirement: str) -> set[str]:
    """Distributions a ``pip install <requirement>`` brings (from installed metadata)."""
    found: set[str] = set()
    pending = [Requirement(requirement)]
    while pending:
        req = pending.pop()
        name = canonicalize_name(req.name)
        key = f"{name}[{','.join(sorted(req.extras))}]"
        if key in found:
            continue
        found.add(key)
        for raw in metadata.requires(req.name) or []:
            child = Requirement(raw)
            if child.marker is None or any(
                child.marker.evaluate({"extra": e}) for e in (req.extras or {""})
            ):
                pending.append(child)
    return {key.split("[")[0] for key in found}


def _plugins(distributions: set[str]) -> list[str]:
    return [
        ep.value
        for ep in metadata.entry_points(group="pytest11")
        if ep.dist is not None and canonicalize_name(ep.dist.name) in distributions
    ]


def test_the_testing_extra_brings_pytest_asyncio() -> None:
    assert {"pytest", "pytest-asyncio"} <= _closure("openfactura[testing]")


@pytest.mark.parametrize(
    "config",
    [
        "",  # pytest-asyncio's default: strict mode
        '[tool.pytest.ini_options]\nasyncio_mode = "auto"\n'
        'asyncio_default_fixture_loop_scope = "function"\n',
    ],
    ids=["strict-default", "auto"],
)
def test_a_fresh_project_runs_the_plugin(tmp_path: Path, config: str) -> None:
    project = tmp_path / "shop"
    (project / "tests").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "shop"\n' + config)
    (project / "tests" / "test_invoices.py").write_text(textwrap.dedent(TESTS))
    plugins = _plugins(_closure("openfactura[testing]"))
    assert "openfactura.testing.pytest_plugin" in plugins
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["--rootdir", str(project), "-c", str(project / "pyproject.toml")]
    for plugin in plugins:
        command += ["-p", plugin]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "PYTHONPATH"))}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    done = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert re.search(r"\b3 passed\b", output), output
    assert "Unclosed" not in output and "openfactura" not in output.split("passed")[-1], output


def test_without_pytest_asyncio_the_plugin_loads_and_says_what_is_missing(
    tmp_path: Path,
) -> None:
    """openfactura alone (no extra) registers the plugin too: it must not break pytest."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "bare"\n')
    (tmp_path / "test_bare.py").write_text(
        textwrap.dedent(
            """
            def test_blocking(openfactura_sync_client):
                assert openfactura_sync_client.organization.get().razon_social == "HAULMER SPA"

            def test_async_fixture(openfactura_client):
                pass
            """
        )
    )
    script = (
        "import sys; sys.modules['pytest_asyncio'] = None; import pytest; "
        f"sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', '--rootdir', {str(tmp_path)!r}, "
        f"'-c', {str(tmp_path / 'pyproject.toml')!r}, '-p', 'openfactura.testing.pytest_plugin']))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "PYTHONPATH"))}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    assert re.search(r"\b1 passed\b", output), output
    assert "openfactura_client needs pytest-asyncio" in output, output
