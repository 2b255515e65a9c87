"""A local TLS-terminating proxy that holds each new connection's handshake for a while.

Like a gateway far away, each *new* connection pays a TLS handshake (here a random 0 to
``max_delay`` seconds before the server side answers the ClientHello) before the
request's headers can leave; then bytes are forwarded at once, both ways, to a plain HTTP
server on loopback. Connections the client reuses pay nothing. The certificate comes from
a throwaway CA (``trustme``) that only the process given its file trusts.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import ssl
from pathlib import Path
from typing import Any


def make_certificates(directory: Path) -> Path:
    """Write a throwaway CA (``ca.pem``, to trust: ``SSL_CERT_FILE``) and a certificate for
    127.0.0.1 signed by it, with its key (``server.pem``); return the CA file."""
    import trustme

    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    ca.cert_pem.write_to_path(str(directory / "ca.pem"))
    leaf.private_key_and_cert_chain_pem.write_to_path(str(directory / "server.pem"))
    return directory / "ca.pem"


def server_context(directory: Path) -> ssl.SSLContext:
    """The proxy's TLS context, from what :func:`make_certificates` wrote."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(directory / "server.pem")
    return context


class HandshakeDelayProxy:
    """``https://127.0.0.1:<port>`` in front of ``target`` (host, port).

    Each accepted socket is left unread for its delay (the client's ClientHello waits in
    the kernel), then the server side of the TLS handshake runs, then bytes flow.
    """

    def __init__(
        self,
        target: tuple[str, int],
        context: ssl.SSLContext,
        *,
        max_delay: float = 1.0,
        seed: int | None = None,
    ) -> None:
        self.target = target
        self.context = context
        self.max_delay = max_delay
        self.delays: list[float] = []
        self._rng = random.Random(seed)
        self._listener: socket.socket | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    async def start(self) -> str:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        listener.setblocking(False)
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._spawn(self._accept_forever())
        return self.base_url

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._listener is not None:
            self._listener.close()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _accept_forever(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._listener is not None
        while True:
            conn, _ = await loop.sock_accept(self._listener)
            self._spawn(self._serve(conn))

    async def _serve(self, conn: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        writer: asyncio.StreamWriter | None = None
        try:
            delay = self._rng.uniform(0.0, self.max_delay)
            self.delays.append(delay)
            await asyncio.sleep(delay)  # the handshake: nothing can be sent before it ends
            reader = asyncio.StreamReader()
            protocol = asyncio.StreamReaderProtocol(reader)
            transport, _ = await loop.connect_accepted_socket(
                lambda: protocol, sock=conn, ssl=self.context
            )
            writer = asyncio.StreamWriter(transport, protocol, reader, loop)
            up_reader, up_writer = await asyncio.open_connection(*self.target)
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        finally:
            if writer is not None:
                writer.close()
            else:
                conn.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (OSError, ssl.SSLError):
        pass
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            writer.close()
