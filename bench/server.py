"""The benchmark's feed site: every ``NAME.xml`` in a folder, served on 127.0.0.1 by aiohttp.

Run in its own process (``python -m bench.server FOLDER``) so that serving does not share the
event loop or the CPU time of the bot being measured. It prints ``PORT <n>`` once it listens.
Each feed answers with an ETag and a Last-Modified, and with 304 to a request that sends either
back; the bodies are read once, at start.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import threading
from email.utils import formatdate
from pathlib import Path

from aiohttp import web


def make_app(folder: Path) -> web.Application:
    modified = formatdate(1_735_689_600, usegmt=True)  # 2025-01-01
    pages: dict[str, tuple[bytes, str]] = {}
    for path in folder.glob("*.xml"):
        body = path.read_bytes()
        pages[path.stem] = (body, '"' + hashlib.sha1(body).hexdigest()[:16] + '"')

    async def handle(request: web.Request) -> web.StreamResponse:
        page = pages.get(request.match_info["name"])
        if page is None:
            return web.Response(status=404, text="no such feed")
        body, tag = page
        headers = {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": tag,
                   "Last-Modified": modified}
        if (request.headers.get("If-None-Match") == tag
                or request.headers.get("If-Modified-Since") == modified):
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, headers=headers)

    app = web.Application()
    app.router.add_get("/{name}.xml", handle)
    return app


async def serve(folder: Path) -> None:
    runner = web.AppRunner(make_app(folder), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    port = runner.addresses[0][1]
    print(f"PORT {port}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def _exit_with_parent() -> None:
    sys.stdin.read()  # returns when the benchmark closes our stdin, or dies
    os._exit(0)


def main() -> None:
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    try:
        asyncio.run(serve(Path(sys.argv[1])))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
