"""``openfactura sandbox`` as a process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from redis_server import free_port

import openfactura


def test_sandbox_command_serves_the_api(tmp_path: Path) -> None:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(Path(openfactura.__file__).parents[1]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "openfactura.cli", "sandbox", "--port", str(port)],
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
                    org = client.organization.get()
                    break
                except openfactura.APIConnectionError:
                    assert time.monotonic() < deadline
        assert org.razon_social == "HAULMER SPA"
    finally:
        proc.terminate()
        proc.wait(10)
