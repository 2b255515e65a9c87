"""``python -m openfactura``: a short, self-contained tour of the client.

It starts a tiny local stand-in for two read-only endpoints of the API on loopback (no key,
no network), then shows the async client, the blocking client, the shared rate limiter
and the typed errors against it::

    python -m openfactura
"""

from __future__ import annotations

import asyncio
import json
import time

from aiohttp import web

import openfactura

_ORGANIZATION = {
    "rut": "76795561-8",
    "razonSocial": "HAULMER SPA",
    "glosaDescriptiva": "VENTA AL POR MENOR EN EMPRESAS DE VENTA A DISTANCIA VÍA INTERNET",
    "direccion": "ARTURO PRAT 527   CURICO",
    "comuna": "Curicó",
    "cdgSIISucur": "81303347",
}
_DEMO_KEY = "928e15a2d14d4a6292345f04960f4bd3"


async def _start_stand_in() -> tuple[web.AppRunner, str]:
    async def organization(request: web.Request) -> web.Response:
        if request.headers.get("apikey") != _DEMO_KEY:
            return web.json_response(
                {"statusCode": 401, "message": "Access denied due to invalid subscription key."},
                status=401,
            )
        body = json.dumps(_ORGANIZATION, ensure_ascii=False).encode("utf-8")
        return web.Response(body=body, content_type="application/json")

    async def taxpayer(request: web.Request) -> web.Response:
        return web.json_response({"rut": None, "razonSocial": None, "actividades": None})

    app = web.Application()
    app.router.add_get("/v2/dte/organization", organization)
    app.router.add_get("/v2/dte/taxpayer/{rut}", taxpayer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


async def _tour(base_url: str) -> None:
    async with openfactura.AsyncOpenfactura(_DEMO_KEY, base_url=base_url) as client:
        print(f"client: {client!r}")
        org = await client.organization.get()
        print(f"organization: {org.razon_social} ({org.rut}), {org.comuna}")
        started = time.monotonic()
        await asyncio.gather(*(client.organization.get() for _ in range(5)))
        print(
            f"5 concurrent calls within 3/s and 100/min: {time.monotonic() - started:.2f}s "
            "(one at once, then one every 0.6 s)"
        )
    async with openfactura.AsyncOpenfactura("0" * 32, base_url=base_url) as bad:
        try:
            await bad.organization.get()
        except openfactura.AuthenticationError as exc:
            print(f"a wrong key gives {type(exc).__name__}: HTTP {exc.status}")


def main() -> None:
    async def run() -> None:
        runner, base_url = await _start_stand_in()
        try:
            await _tour(base_url)
            blocking = await asyncio.to_thread(_blocking_tour, base_url)
            print(blocking)
        finally:
            await runner.cleanup()

    asyncio.run(run())


def _blocking_tour(base_url: str) -> str:
    with openfactura.Openfactura(_DEMO_KEY, base_url=base_url) as client:
        org = client.organization.get()
    return f"blocking client: {org.razon_social} (same methods, no await)"


if __name__ == "__main__":
    main()
