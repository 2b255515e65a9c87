"""Logging: one record per event on the ``openfactura`` logger, the event's fields as
``extra``, the key never in them; ``OPENFACTURA_LOG`` turns it on without code."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from examples import FACTURA
from observability_helpers import Clocked, key_pieces

EMIT = "/v2/dte/document"


class JsonFormatter(logging.Formatter):
    """What a JSON formatter does with ``extra``: every non-standard attribute, as is."""

    standard = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        extra = {k: v for k, v in vars(record).items() if k not in self.standard}
        return json.dumps({"message": record.getMessage(), **extra}, default=str)


async def test_records_carry_the_events_fields_as_extra(
    clocked: Clocked, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="openfactura")
    await clocked.fill_window(2)
    caplog.clear()
    client = clocked.client()  # no hook: the logger alone listens

    await client.documents.emit(FACTURA["dte"], idempotency_key="order-7")

    records = [r for r in caplog.records if hasattr(r, "openfactura_event")]
    lines = [json.loads(JsonFormatter().format(r)) for r in records]
    assert [
        (r.levelname, line["openfactura_event"]) for r, line in zip(records, lines, strict=True)
    ] == [
        ("DEBUG", "request_started"),
        ("DEBUG", "response_received"),
        ("INFO", "rate_limit_paused"),
        ("INFO", "retry_scheduled"),
        ("DEBUG", "request_started"),
        ("DEBUG", "response_received"),
    ]
    paused = lines[2]
    assert paused == {
        "message": "POST /v2/dte/document got HTTP 429: the key pauses 2.000s "
        "(hint 2s from the header)",
        "openfactura_event": "rate_limit_paused",
        "operation": "documents.emit",
        "method": "POST",
        "path": EMIT,
        "attempt": 1,
        "hint": 2.0,
        "source": "header",
        "pause": 2.0,
    }
    assert lines[-1]["status"] == 200 and lines[-1]["token"] == clocked.fake.documents[0].token
    assert key_pieces(caplog.text + json.dumps(lines)) == []


async def test_info_shows_retries_and_pauses_not_every_request(
    clocked: Clocked, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="openfactura")
    clocked.fake.rate_limits = ()
    client = clocked.client()
    await client.organization.get()
    assert [r for r in caplog.records if r.name == "openfactura"] == []
    clocked.fake.fail_next(status=503, path="/v2/dte/organization")
    await client.organization.get()
    (record,) = [r for r in caplog.records if r.name == "openfactura"]
    assert record.getMessage() == (
        "GET /v2/dte/organization retried in 0.250s (server_error, attempt 1)"
    )


_SCRIPT = """
import logging, sys
from openfactura import Openfactura
from openfactura.testing import FakeOpenfactura

if "configured" in sys.argv:
    logging.basicConfig(format="APP %(levelname)s %(name)s %(message)s")
with FakeOpenfactura(rate_limits=None) as fake:
    fake.fail_next(status=503, path="/v2/dte/organization")
    with Openfactura(fake.api_key, base_url=fake.base_url, rate_limits=None) as client:
        client.organization.get()
"""


def _run(tmp_path: Path, level: str, *args: str) -> list[str]:
    script = tmp_path / "app.py"
    script.write_text(textwrap.dedent(_SCRIPT))
    env = {**os.environ, "OPENFACTURA_LOG": level}
    out = subprocess.run(
        [sys.executable, str(script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [  # the client's lines (not the sandbox's request log, a child logger)
        line
        for line in out.stderr.splitlines()
        if " openfactura: " in line or line.startswith("APP INFO openfactura ")
    ]


def test_openfactura_log_debug_prints_each_event_once(tmp_path: Path) -> None:
    lines = _run(tmp_path, "debug")
    assert [line.split(" openfactura: ", 1)[1] for line in lines] == [
        "GET /v2/dte/organization attempt 1 sent (organization.get)",
        "GET /v2/dte/organization -> 503 in " + lines[1].rsplit(" in ", 1)[1],
        lines[2].split(" openfactura: ", 1)[1],
        "GET /v2/dte/organization attempt 2 sent (organization.get)",
        "GET /v2/dte/organization -> 200 in " + lines[4].rsplit(" in ", 1)[1],
    ]
    assert " INFO openfactura: GET /v2/dte/organization retried in " in lines[2]
    assert " DEBUG " in lines[0]


def test_openfactura_log_info_with_logging_configured_adds_no_second_handler(
    tmp_path: Path,
) -> None:
    lines = _run(tmp_path, "info", "configured")
    # the app's own handler prints it, once; ours was not added
    assert len(lines) == 1
    assert lines[0].startswith("APP INFO openfactura GET /v2/dte/organization retried in ")


def test_an_unknown_openfactura_log_value_warns(tmp_path: Path) -> None:
    script = tmp_path / "warn.py"
    script.write_text(
        "import warnings, openfactura\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    openfactura.AsyncOpenfactura('k' * 32)\n"
        "print(caught[0].message)\n"
    )
    out = subprocess.run(
        [sys.executable, str(script)],
        env={**os.environ, "OPENFACTURA_LOG": "verbose"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "OPENFACTURA_LOG='verbose' is not 'debug' nor 'info'" in out.stdout


def test_without_the_switch_no_handler_and_no_level() -> None:
    logger = logging.getLogger("openfactura")
    assert logger.handlers == [] and logger.level == logging.NOTSET
