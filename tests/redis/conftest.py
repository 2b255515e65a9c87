from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis_server import RedisServer


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip(
            "redis-server is not installed here (apt-get install redis-server); CI installs it"
        )
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()
