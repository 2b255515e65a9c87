"""``openfactura sandbox`` as a process, and ``openfactura demo`` in-process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis_server import free_port

import openfactura
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
