"""``org``, ``folios``, ``taxpayer``, ``sales``, ``purchases``, ``sync-rcv`` and
``self-service`` end to end against the sandbox."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

from cli_helpers import Run, json_out, no_traceback
from examples import BOLETA, FACTURA

from openfactura.testing import FakeOpenfactura

TODAY = dt.date.today()


def test_org_and_logo(run: Run, tmp_path: Path) -> None:
    data = json_out(run("org", "--json"))
    assert data["rut"] == "76795561-8" and data["razonSocial"] == "HAULMER SPA"
    assert "logo" not in data
    human = run("org")
    assert "HAULMER SPA" in human.stdout and "Razón social" in human.stdout
    with_logo = json_out(run("org", "--logo", tmp_path / "logo.png", "--json"))
    assert with_logo["logo_path"] == str(tmp_path / "logo.png")
    assert (tmp_path / "logo.png").read_bytes().startswith(b"\x89PNG")


def test_folios(run: Run) -> None:
    data = json_out(run("folios", "--json"))
    # The reference's E11: the demo organization may issue these types.
    assert sorted(d["dte"] for d in data["documentos"]) == [33, 34, 39, 41, 43, 46, 52, 56, 61]
    assert "Factura (33)" in run("folios").stdout


def test_taxpayer_found_and_not_found(run: Run) -> None:
    data = json_out(run("taxpayer", "76.430.498-5", "--json"))
    assert data["razonSocial"] == "HOSTY SPA" and data["rut"] == "76430498-5"
    assert "EMPRESAS DE SERVICIOS INTEGRALES" in run("taxpayer", "76430498-5").stdout
    missing = run("taxpayer", "11111111-1", "--json")
    assert missing.exit_code == 1
    assert json_out(missing)["error"]["type"] == "NotFoundError"
    invalid = run("taxpayer", "76430498-4")
    assert invalid.exit_code == 1 and "76430498-4" in invalid.stderr
    no_traceback(invalid)


def _emit(run: Run, body: dict[str, object], tmp_path: Path, name: str) -> dict[str, object]:
    path = tmp_path / name
    path.write_text(json.dumps(body), encoding="utf-8")
    result = run("emit", path, "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json_out(result)
    return data


def test_sales_purchases_and_sync_rcv(run: Run, fake: FakeOpenfactura, tmp_path: Path) -> None:
    body = copy.deepcopy(FACTURA)
    body["dte"]["Encabezado"]["IdDoc"]["FchEmis"] = TODAY.isoformat()
    _emit(run, body, tmp_path, "a.json")
    _emit(run, body, tmp_path, "b.json")
    sales = json_out(run("sales", TODAY.year, TODAY.month, "--json"))
    facturas = [r for r in sales["registros"] if r["tipoDocumento"] == 33]
    # Two facturas of 2.000 net + 380 IVA each (the body's own figures).
    assert [(r["cantDocumentos"], r["totalMntNeto"], r["totalMntTotal"]) for r in facturas] == [
        (2, 4000, 4760)
    ]
    assert "$ 4.760" in run("sales", TODAY.year, TODAY.month).stdout
    day = json_out(run("sales", TODAY.year, TODAY.month, TODAY.day, "--json"))
    assert [r["cantDocumentos"] for r in day["registros"] if r["tipoDocumento"] == 33] == [2]
    assert run("sales", TODAY.year, 13).exit_code == 2
    fake.seed_received(
        issuer_rut="76430498-5",
        issuer_name="HOSTY SPA",
        folio=77,
        fch_emis=TODAY.isoformat(),
        mnt_neto=1000,
        estado="Pendiente",
    )
    purchases = json_out(run("purchases", TODAY.year, TODAY.month, "--json"))
    assert isinstance(purchases, list)
    pending = json_out(run("purchases", TODAY.year, TODAY.month, "--status", "pending", "--json"))
    counted = [r["cantDocumentos"] for block in pending for r in block["registros"]]
    assert sum(counted) == 1
    assert "Purchases" in run("purchases", TODAY.year, TODAY.month).stdout
    period = TODAY.strftime("%Y-%m")
    first = run("sync-rcv", "purchase", period, "--json")
    assert first.exit_code == 0, first.output
    assert isinstance(json_out(first), dict)
    locked = run("sync-rcv", "purchase", period, "--json")
    assert locked.exit_code == 1
    error = json_out(locked)["error"]
    assert error["type"] == "RateLimitError" and error["code"] == "OF-429"
    assert error["retry_after"] and error["ends_at"]
    assert run("sync-rcv", "stock", period).exit_code == 2


def test_self_service_state_and_resend(run: Run, tmp_path: Path) -> None:
    body = copy.deepcopy(BOLETA)
    body["dte"]["Encabezado"]["IdDoc"]["FchEmis"] = TODAY.isoformat()
    body["selfService"] = {"issueBoleta": True, "allowFactura": True}
    body["customer"] = {"fullName": "Ana Pérez", "email": "ana@example.cl"}
    emitted = _emit(run, body, tmp_path, "boleta.json")
    link = emitted["SELF_SERVICE"]
    url = link["url"] if isinstance(link, dict) else link
    state = run("self-service", "state", url, "--json")
    assert state.exit_code == 0, state.output
    assert json_out(state)["pending"] in (True, False)
    assert "Self-service link" in run("self-service", "state", url).stdout
    sent = run("self-service", "resend-email", str(url).rstrip("/").rsplit("/", 1)[-1], "--json")
    assert json_out(sent)["sent"] is True
    unknown = run("self-service", "state", "no-such-link")
    assert unknown.exit_code == 1
    no_traceback(unknown)
