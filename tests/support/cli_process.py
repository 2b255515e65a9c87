"""The ``openfactura`` command as a real process, its output read as it comes.

Used by the tests that signal or kill a running ``openfactura bulk emit``::

    proc = CliProcess(env, "bulk", "emit", "batch.jsonl", "--journal", "run.db", "--json")
    proc.wait_lines(10)                 # ten outcome lines are out
    proc.send_signal(signal.SIGINT)
    proc.wait_stderr("Stopping")
    out, err = proc.finish()            # everything it printed, start to end

The pipes are read with ``os.read`` on their descriptors: ``select`` on a buffered file
object would miss lines already sitting in its buffer and wait for more output.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["CliProcess"]


class CliProcess:
    """``python -m openfactura.cli ARGS...`` with ``env``; ``stderr`` may be a descriptor
    (a pseudo-terminal), then it is not captured."""

    def __init__(self, env: Mapping[str, str], *args: Any, stderr: Any = subprocess.PIPE) -> None:
        command = [sys.executable, "-m", "openfactura.cli", *(str(a) for a in args)]
        self.popen = subprocess.Popen(command, env=dict(env), stdout=subprocess.PIPE, stderr=stderr)
        self.out = bytearray()
        self.err = bytearray()

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def send_signal(self, signum: int) -> None:
        self.popen.send_signal(signum)

    def _read(self, which: str, enough: Callable[[bytearray], bool], timeout: float) -> bool:
        """Read stdout or stderr until ``enough(buffer)``; False if the stream ended first."""
        stream = self.popen.stdout if which == "out" else self.popen.stderr
        assert stream is not None
        buffer = self.out if which == "out" else self.err
        fd = stream.fileno()
        deadline = time.monotonic() + timeout
        while not enough(buffer):
            ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0.0))
            if not ready:
                raise AssertionError(
                    f"no progress on std{which} after {timeout} s: {bytes(buffer)[-2000:]!r}"
                )
            chunk = os.read(fd, 65536)
            if not chunk:
                return False
            buffer += chunk
        return True

    def wait_lines(self, count: int, timeout: float = 60.0) -> int:
        """Wait for ``count`` lines on stdout; fewer if the process ends first (returned)."""
        self._read("out", lambda b: b.count(b"\n") >= count, timeout)
        return min(self.out.count(b"\n"), count)

    def wait_stderr(self, text: str, timeout: float = 60.0) -> None:
        if not self._read("err", lambda b: text.encode() in b, timeout):
            raise AssertionError(f"{text!r} never came on stderr: {self.err.decode()!r}")

    def finish(self, timeout: float = 60.0) -> tuple[str, str]:
        """Wait for the end; everything printed on stdout and stderr (decoded)."""
        try:
            out, err = self.popen.communicate(timeout=timeout)
        finally:
            self.kill()
        return (self.out + (out or b"")).decode(), (self.err + (err or b"")).decode()

    def kill(self) -> None:
        """SIGKILL it if it still runs, and reap it."""
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait()
