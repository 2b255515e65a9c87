"""``openfactura sandbox`` as a process, and ``openfactura demo`` in-process."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from redis_server import free_port

import openfactura
import openfactura.testing
from openfactura.cli import main


def test_sandbox_command_serves_the_api_and_keeps_state(tmp_path: Path) -> None:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(Path(openfactura.__file__).parents[1]))
    db = tmp_path / "state.db"
    command = [sys.executable, "-m", "openfactura.cli", "sandbox", "--port", str(port)]
    for run in range(2):
        proc = subprocess.Popen(
            [*command, "--storage", str(db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            text=True,
        )
        try:
            assert proc.stdout is not None
            banner = proc.stdout.readline()
            assert f"http://127.0.0.1:{port}" in banner
            deadline = time.monotonic() + 10
            with openfactura.Openfactura(
                "928e15a2d14d4a6292345f04960f4bd3", base_url=f"http://127.0.0.1:{port}"
            ) as client:
                while True:
                    try:
                        org = client.request("GET", "/organization")
                        break
                    except openfactura.APIConnectionError:
                        assert time.monotonic() < deadline
                        time.sleep(0.05)
                assert org["razonSocial"] == "HAULMER SPA"
                if run == 0:
                    client.request(
                        "POST", "/registry/sync-rcv", json={"registro": "sales", "periodo": 202601}
                    )
                else:  # the lock taken by the first process survived the restart
                    with pytest.raises(openfactura.RateLimitError):
                        client.request(
                            "POST",
                            "/registry/sync-rcv",
                            json={"registro": "sales", "periodo": 202601},
                        )
        finally:
            proc.terminate()
            proc.wait(10)


def test_demo_emits_saves_and_summarises(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    files = sorted(path.name for path in out.iterdir())
    assert files == [
        "boleta-1000.pdf",
        "boleta-1000.xml",
        "factura-1000.pdf",
        "factura-1000.xml",
        "nota-de-credito-1000.pdf",
        "nota-de-credito-1000.xml",
    ]
    assert (out / "factura-1000.pdf").read_bytes().startswith(b"%PDF")
    assert b"<TipoDTE>61</TipoDTE>" in (out / "nota-de-credito-1000.xml").read_bytes()
    assert b"<FolioRef>1000</FolioRef>" in (out / "nota-de-credito-1000.xml").read_bytes()
    printed = capsys.readouterr().out
    assert "Aceptado" in printed and "$ 95.164" in printed and "listed for today: 3" in printed
    assert str(out.resolve()) in printed.replace("\n", "")


def _lines(stream: Any, into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


def test_sandbox_json_banner_and_request_log(tmp_path: Path) -> None:
    """``--port 0 --json``: the banner is one JSON object on stdout; each request is
    logged on stderr (the key masked)."""
    env = dict(os.environ, PYTHONPATH=str(Path(openfactura.__file__).parents[1]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "openfactura.cli", "sandbox", "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        banner = json.loads(proc.stdout.readline())
        assert banner["base_url"].startswith("http://127.0.0.1:")
        assert {k["api_key"] for k in banner["api_keys"]} == {
            c.api_key for c in openfactura.testing.DEMO_COMPANIES
        }
        log: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_lines, args=(proc.stderr, log), daemon=True).start()
        key = "928e15a2d14d4a6292345f04960f4bd3"
        with openfactura.Openfactura(key, base_url=banner["base_url"]) as client:
            assert client.taxpayers.get("76430498-5").razon_social == "HOSTY SPA"
        deadline = time.monotonic() + 10
        seen: list[str] = []
        while not any("/v2/dte/taxpayer/76430498-5" in line for line in seen):
            assert time.monotonic() < deadline, seen
            with contextlib.suppress(queue.Empty):
                seen.append(log.get(timeout=0.1))
        assert all(key not in line for line in seen)
    finally:
        proc.terminate()
        proc.wait(10)


def test_sandbox_variant_option(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from openfactura.cli._app import cli

    result = CliRunner().invoke(cli, ["sandbox", "--port", "0", "--variant", "nonsense"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")
    assert "nonsense" in result.stderr
    assert "Traceback" not in result.stderr


def test_sandbox_runs_the_alternate_variant() -> None:
    env = dict(os.environ, PYTHONPATH=str(Path(openfactura.__file__).parents[1]))
    command = ["sandbox", "--port", "0", "--json", "--quiet", "--variant", "alternate"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "openfactura.cli", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = json.loads(proc.stdout.readline())
        key = "928e15a2d14d4a6292345f04960f4bd3"
        with openfactura.Openfactura(key, base_url=banner["base_url"]) as client:
            raw = client.request("GET", "/v2/dte/organization/document")
        # the alternate form of the folio availability answer (reference §8 #6): the doc
        # table's "disponible" and types as text, where the best form has "disponibles"
        rows = raw["documentos"]
        assert rows and all("disponible" in row and "disponibles" not in row for row in rows)
        assert all(isinstance(row["dte"], str) for row in rows)
    finally:
        proc.terminate()
        proc.wait(10)
