"""``emit``, ``status``, ``get``, ``wait``, ``issued``, ``received``, ``accuse``, ``annul-guia``
end to end against the sandbox; the sandbox's document store is the witness."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from cli_helpers import DEMO_KEY, Run, json_out, no_traceback
from examples import EMISOR, FACTURA, RECEPTOR

from openfactura.dte import Detalle, GuiaDespacho, to_wire
from openfactura.testing import FakeOpenfactura

TODAY = dt.date.today()


def factura_body(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(FACTURA)
    body["dte"]["Encabezado"]["IdDoc"]["FchEmis"] = TODAY.isoformat()
    body.update(changes)
    return body


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_emit_json_saves_the_pdf_and_the_key_replays(
    run: Run, fake: FakeOpenfactura, tmp_path: Path
) -> None:
    source = write(tmp_path / "factura.json", factura_body())
    result = run(
        "emit", source, "--pdf", tmp_path / "f.pdf", "--idempotency-key", "order-1", "--json"
    )
    assert result.exit_code == 0, result.output
    data = json_out(result)
    assert [d.token for d in fake.documents] == [data["TOKEN"]]
    assert data["FOLIO"] == fake.documents[0].folio
    assert data["idempotency_key"] == "order-1" == fake.documents[0].idempotency_key
    assert data["replayed"] is False and "PDF" not in data
    assert data["pdf_path"] == str(tmp_path / "f.pdf")
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF")
    # The same key again: the original document, not a second one; the PDF is fetched.
    again = run(
        "emit", source, "--pdf", tmp_path / "g.pdf", "--idempotency-key", "order-1", "--json"
    )
    assert again.exit_code == 0, again.output
    assert json_out(again)["TOKEN"] == data["TOKEN"] and json_out(again)["replayed"] is True
    assert len(fake.documents) == 1
    assert (tmp_path / "g.pdf").read_bytes().startswith(b"%PDF")


def test_emit_human_output_a_bare_dte_from_stdin_and_the_api_warning(
    run: Run, fake: FakeOpenfactura
) -> None:
    result = run("emit", "-", input=json.dumps(factura_body()["dte"]))
    assert result.exit_code == 0, result.output
    assert "Document emitted" in result.stdout
    assert fake.documents[0].token in result.stdout.replace("\n", "")
    guia = GuiaDespacho.build(
        emisor=EMISOR,
        receptor=RECEPTOR,
        detalle=[Detalle(nmb_item="Caja", qty_item=Decimal(1), prc_item=Decimal(2000))],
        fch_emis=TODAY,
        ind_traslado=1,
    )
    warned = run("emit", "-", "--json", input=json.dumps(to_wire(guia), default=str))
    assert warned.exit_code == 0, warned.output
    assert json_out(warned)["WARNING"]  # shown in the result, not as a Python warning
    assert "OpenfacturaWarning" not in warned.output


def test_emit_refuses_an_existing_pdf_before_sending(
    run: Run, fake: FakeOpenfactura, tmp_path: Path
) -> None:
    (tmp_path / "f.pdf").write_bytes(b"mine")
    result = run("emit", write(tmp_path / "f.json", factura_body()), "--pdf", tmp_path / "f.pdf")
    assert result.exit_code == 2
    assert "--overwrite" in result.stderr
    assert fake.documents == [] and (tmp_path / "f.pdf").read_bytes() == b"mine"


def test_emit_invalid_document_is_refused_locally_with_every_problem(
    run: Run, fake: FakeOpenfactura, tmp_path: Path
) -> None:
    body = factura_body()
    body["dte"]["Encabezado"]["Totales"]["MntTotal"] = 9999
    body["dte"]["Encabezado"]["Receptor"]["RUTRecep"] = "76430498-4"
    result = run("emit", write(tmp_path / "bad.json", body), "--json")
    assert result.exit_code == 1
    no_traceback(result)
    error = json_out(result)["error"]
    assert error["type"] == "ValidationError"
    fields = {d["field"] for d in error["details"]}
    assert "Encabezado.Totales.MntTotal" in fields and "Encabezado.Receptor.RUTRecep" in fields
    assert "Encabezado.Totales.MntTotal" in result.stderr
    assert fake.documents == [] and not [r for r in fake.requests if r.method == "POST"]


def test_emit_api_error_prints_code_message_and_details(
    run: Run, fake: FakeOpenfactura, tmp_path: Path
) -> None:
    body = factura_body()
    body["dte"]["Encabezado"]["Totales"]["MntTotal"] = 9999
    source = write(tmp_path / "bad.json", body)
    result = run("emit", source, "--no-validate")
    assert result.exit_code == 1
    no_traceback(result)
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first.startswith("Error (OF-10, HTTP 400): ")
    assert "MntTotal" in result.stderr and "hint:" in result.stderr
    assert DEMO_KEY not in result.output and DEMO_KEY[-8:] not in result.output
    as_json = run("emit", source, "--no-validate", "--json")
    error = json_out(as_json)["error"]
    assert error["code"] == "OF-10" and error["status"] == 400
    assert error["type"] == "InvalidRequestError"
    assert any("MntTotal" in d["field"] for d in error["details"])
    assert fake.documents == []


def test_emit_bad_files(run: Run, tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{not json")
    assert run("emit", tmp_path / "x.json").exit_code == 1
    assert run("emit", write(tmp_path / "y.json", {"a": 1})).exit_code == 1
    missing = run("emit", tmp_path / "nope.json")
    assert missing.exit_code == 2 and "No such file" in missing.stderr


def _emit(run: Run, tmp_path: Path, name: str = "f.json") -> dict[str, Any]:
    result = run("emit", write(tmp_path / name, factura_body()), "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json_out(result)
    return data


def test_status_by_token_and_by_folio(run: Run, tmp_path: Path) -> None:
    emitted = _emit(run, tmp_path)
    first = run("status", emitted["TOKEN"], "--json")
    assert json_out(first)["estado"] == "Pendiente"  # the sandbox's first read
    by_folio = run(
        "status", "--rut", "76795561-8", "--type", "33", "--folio", emitted["FOLIO"], "--json"
    )
    assert json_out(by_folio)["estado"] == "Aceptado"
    human = run("status", emitted["TOKEN"])
    assert "Aceptado" in human.stdout and "SII status" in human.stdout
    usage = run("status")
    assert usage.exit_code == 2 and "TOKEN" in usage.stderr


def test_get_every_format(run: Run, fake: FakeOpenfactura, tmp_path: Path) -> None:
    emitted = _emit(run, tmp_path)
    token = emitted["TOKEN"]
    document = run("get", token)  # --json (the document) is the default format
    assert document.exit_code == 0, document.output
    tree = json_out(document)
    assert str(tree["json"]["Encabezado"]["Totales"]["MntTotal"]) == "2380"
    assert run("get", token, "--json").stdout == document.stdout
    pdf = run("get", token, "--pdf")  # stdout is not a terminal here: the bytes
    assert pdf.stdout_bytes.startswith(b"%PDF")
    saved = run("get", token, "--xml", "-o", tmp_path / "f.xml")
    assert saved.exit_code == 0 and "Saved the XML" in saved.stdout
    xml = (tmp_path / "f.xml").read_bytes()
    assert b"<TipoDTE>33</TipoDTE>" in xml and b"ISO-8859-1" in xml
    summary = run("--json", "get", token, "--cedible", "-o", tmp_path / "c.pdf")
    data = json_out(summary)
    assert data == {
        "format": "cedible",
        "path": str(tmp_path / "c.pdf"),
        "bytes": (tmp_path / "c.pdf").stat().st_size,
        "token": token,
    }
    assert (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF")
    exists = run("get", token, "--pdf", "-o", tmp_path / "c.pdf")
    assert exists.exit_code == 2
    by_folio = run(
        "--json", "get", "--rut", "76795561-8", "--type", "33", "--folio", emitted["FOLIO"], "--xml"
    )
    assert "<TipoDTE>33</TipoDTE>" in json_out(by_folio)["xml"]
    unknown = run("get", "--rut", "76795561-8", "--type", "33", "--folio", "999999")
    assert unknown.exit_code == 1 and "OF-22" in unknown.stderr


def test_wait_many_and_its_timeout(run: Run, fake: FakeOpenfactura, tmp_path: Path) -> None:
    tokens = [_emit(run, tmp_path, f"{n}.json")["TOKEN"] for n in range(2)]
    result = run("wait", *tokens, "--interval", "0.01", "--json")
    assert result.exit_code == 0, result.output
    finals = json_out(result)
    assert sorted(s["token"] for s in finals) == sorted(tokens)
    assert {s["estado"] for s in finals} == {"Aceptado"}
    fake.status_reads_until_final = 10**6
    late = _emit(run, tmp_path, "late.json")["TOKEN"]
    timed_out = run("wait", late, "--interval", "0.01", "--max-wait", "0.05", "--json")
    assert timed_out.exit_code == 1
    data = json_out(timed_out)
    assert data["error"]["type"] == "WaitTimeoutError"
    assert data["error"]["tokens"] == [late] and data["results"] == []
    assert late in timed_out.stderr


def test_issued_filters_pages_and_tables(run: Run, fake: FakeOpenfactura, tmp_path: Path) -> None:
    for n in range(3):
        _emit(run, tmp_path, f"{n}.json")
    result = run("issued", "--from", TODAY, "--to", TODAY, "--type", "33", "--json")
    assert result.exit_code == 0, result.output
    data = json_out(result)
    assert data["total"] == 3
    assert sorted(r["Token"] for r in data["rows"]) == sorted(d.token for d in fake.documents)
    assert sorted(r["Folio"] for r in data["rows"]) == sorted(d.folio for d in fake.documents)
    limited = json_out(run("issued", "--limit", "2", "--json"))
    assert len(limited["rows"]) == 2 and limited["total"] == 3
    page = json_out(run("issued", "--page", "1", "--json"))
    assert len(page["rows"]) == 3
    one = json_out(run("issued", "--folio", fake.documents[1].folio, "--json"))
    assert [r["Token"] for r in one["rows"]] == [fake.documents[1].token]
    none = json_out(run("issued", "--type", "39", "--json"))
    assert none["rows"] == []
    human = run("issued")
    assert "Issued documents" in human.stdout and "$ 2.380" in human.stdout
    assert "3 row(s) shown; 3 in all" in human.stdout
    bad = run("issued", "--from", "27-09-2026")
    assert bad.exit_code == 2


def test_received_and_accuse(run: Run, fake: FakeOpenfactura) -> None:
    fake.seed_received(
        issuer_rut="76430498-5",
        issuer_name="HOSTY SPA",
        folio=2514,
        fch_emis=TODAY.isoformat(),
        mnt_neto=1000,
    )
    listed = json_out(run("received", "--received-from", TODAY, "--json"))
    assert [(r["Folio"], r["RUTEmisor"]) for r in listed["rows"]] == [(2514, 76430498)]
    assert "HOSTY SPA" in run("received", "--rut", "76430498-5").stdout
    accused = run("accuse", "76430498-5", "33", "2514", "acd", "--json")
    assert accused.exit_code == 0, accused.output
    assert isinstance(json_out(accused), dict)
    after = json_out(run("received", "--json"))
    assert [a["codEvento"] for a in after["rows"][0]["Acuses"]] == ["ACD"]
    bad = run("accuse", "76430498-5", "33", "2514", "XYZ")
    assert bad.exit_code == 2


def test_annul_guia_once(run: Run, fake: FakeOpenfactura) -> None:
    guia = GuiaDespacho.build(
        emisor=EMISOR,
        receptor=RECEPTOR,
        detalle=[Detalle(nmb_item="Caja", qty_item=Decimal(1), prc_item=Decimal(2000))],
        fch_emis=TODAY,
        ind_traslado=1,
    )
    emitted = json_out(run("emit", "-", "--json", input=json.dumps(to_wire(guia), default=str)))
    first = run("annul-guia", emitted["FOLIO"], "--date", TODAY, "--json")
    assert first.exit_code == 0, first.output
    assert str(emitted["FOLIO"]) in json.dumps(json_out(first))
    assert [d.annulled for d in fake.documents] == [True]
    again = run("annul-guia", emitted["FOLIO"], "--date", TODAY)
    assert again.exit_code == 1 and again.stderr.startswith("Error (")
    no_traceback(again)
    assert run("annul-guia", emitted["FOLIO"]).exit_code == 2  # --date is required


def test_interrupted_emission_prints_the_key_to_resend_with(
    run: Run, fake: FakeOpenfactura, tmp_path: Path, monkeypatch: Any
) -> None:
    from openfactura.resources.documents import SyncDocuments

    sent: list[str] = []

    def interrupted(self: object, dte: object, **kwargs: Any) -> None:
        sent.append(kwargs["idempotency_key"])
        raise KeyboardInterrupt

    monkeypatch.setattr(SyncDocuments, "emit", interrupted)
    result = run("emit", write(tmp_path / "f.json", factura_body()))
    assert result.exit_code == 130
    no_traceback(result)
    assert len(sent) == 1 and f"--idempotency-key {sent[0]}" in result.stderr


def test_emit_and_wait_for_the_verdict(run: Run, fake: FakeOpenfactura, tmp_path: Path) -> None:
    fake.status_reads_until_final = 0  # the SII decides at the first read
    result = run("emit", write(tmp_path / "f.json", factura_body()), "--wait", "--json")
    assert result.exit_code == 0, result.output
    data = json_out(result)
    assert data["status"]["estado"] == "Aceptado" == fake.documents[0].outcome
    assert data["TOKEN"] == fake.documents[0].token
