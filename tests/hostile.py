"""Hostile loopback servers and helpers for the robustness suite (127.0.0.1 only).

``hostile_app()`` serves one misbehaving feed per path (see ``FAULTS``): a body that trickles a
byte a second, an endless body, gzip and deflate bombs, a redirect loop, a 10,000-item feed,
invalid UTF-8, a 1 MB title, billion laughs, an external entity, ... Every handler is bounded in
count and time on the server side too, so a test can never wait on its own server for long.

``corpus_app(folder)`` serves every file of feedparser's test corpus at ``/corpus/<path>``,
with the ``Header:`` lines its comments ask for (content type, Content-Location ...).

``ServerThread(app)`` runs an aiohttp app in a background thread (for synchronous tests that
drive the bot as a subprocess), and ``run_bot(...)`` runs ``python -m bot`` measuring its wall
time and peak RSS (``wait4``'s rusage of that one child).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web
from servers import serve

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "feedparser"

KB = 1024
MB = 1024 * 1024

SIGNED_TITLE = "Putin, Pezeshkian sign treaty on comprehensive strategic partnership"
SIGNED_SUMMARY = ("The presidents of Russia and Iran signed the treaty on comprehensive strategic "
                  "partnership in the Kremlin on Friday.")


# -- running servers ----------------------------------------------------------------------------


class ServerThread:
    """An aiohttp app on 127.0.0.1, served from its own thread and event loop.

    ``with ServerThread(app) as base_url: ...`` - for tests that run the bot in a subprocess.
    """

    def __init__(self, app: web.Application, *, start_timeout: float = 10.0) -> None:
        self.app = app
        self.url = ""
        self._start_timeout = start_timeout
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="server-thread", daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop

        async def main() -> None:
            self._stop = asyncio.Event()
            async with serve(self.app) as url:
                self.url = url
                self._ready.set()
                await self._stop.wait()

        try:
            loop.run_until_complete(main())
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            self._error = exc
            self._ready.set()
        finally:
            loop.close()

    def __enter__(self) -> str:
        self._thread.start()
        if not self._ready.wait(self._start_timeout) or self._error is not None:
            raise RuntimeError(f"the test server did not start: {self._error!r}")
        return self.url

    def __exit__(self, *exc_info: object) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:  # the loop has already closed
                pass
        self._thread.join(15)


@dataclass
class BotRun:
    returncode: int
    stdout: str
    stderr: str
    elapsed: float  # seconds of wall time
    max_rss_mb: float  # peak resident set size of the bot process
    timed_out: bool


def bot_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot", *args]


# ``python -m bot`` that writes its own /proc/self/status when it exits. VmHWM there is the peak
# RSS of the bot's own address space: ``ru_maxrss`` (wait4, getrusage) is useless for a child,
# as Linux carries the forking parent's peak into it across fork and exec.
_MEASURED_BOT = """\
import atexit, sys
def _report(path=sys.argv[1]):
    with open("/proc/self/status", encoding="ascii") as status, open(path, "w") as out:
        out.write(status.read())
atexit.register(_report)
sys.argv = ["treatybot", *sys.argv[2:]]
from bot.interfaces.cli import main
main()
"""


def _vm_hwm_mb(status_text: str) -> float:
    match = re.search(r"^VmHWM:\s+(\d+)\s+kB", status_text, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else 0.0


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def run_bot(args: list[str], *, cwd: Path, env: Mapping[str, str] | None = None,
            timeout: float = 120.0, prelude: str = "") -> BotRun:
    """Run ``python -m bot ARGS``: its exit code, output, wall time and peak RSS (VmHWM).

    ``prelude``: Python run in the bot's process first (a test hook, e.g. shorter retries).
    Killed (and ``timed_out``) after ``timeout`` seconds; the peak RSS is then the last one
    seen while it ran.
    """
    stem = cwd / f".run-{os.getpid()}-{time.monotonic_ns()}"
    out_path, err_path, status_path = (stem.with_suffix(s) for s in (".out", ".err", ".status"))
    started = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        code = (prelude.rstrip() + "\n" if prelude else "") + _MEASURED_BOT
        proc = subprocess.Popen([sys.executable, "-c", code, str(status_path), *args],
                                cwd=cwd, env=dict(env if env is not None else os.environ),
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    timed_out = False
    seen_hwm = 0.0
    deadline = started + timeout
    while proc.poll() is None:
        seen_hwm = max(seen_hwm, _vm_hwm_mb(_read(Path(f"/proc/{proc.pid}/status"))))
        if time.monotonic() > deadline:
            timed_out = True
            proc.kill()
            proc.wait(30)
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    peak = max(seen_hwm, _vm_hwm_mb(_read(status_path)))
    stdout, stderr = _read(out_path), _read(err_path)
    for path in (out_path, err_path, status_path):
        path.unlink(missing_ok=True)
    return BotRun(proc.returncode, stdout, stderr, elapsed, peak, timed_out)


# -- feed bodies --------------------------------------------------------------------------------


def rss(items: list[tuple[str, str, str]], *, title: str = "Hostile wire",
        published: str = "Fri, 17 Jan 2025 09:00:00 GMT", encoding: str = "utf-8") -> bytes:
    """An RSS 2.0 feed of ``(title, link, description)``; values are inserted as given."""
    parts = [f'<?xml version="1.0" encoding="{encoding}"?>', '<rss version="2.0"><channel>',
             f"<title>{title}</title><link>http://example.org/</link>",
             "<description>test</description>"]
    for number, (item_title, link, description) in enumerate(items):
        parts.append(f"<item><title>{item_title}</title><link>{link}</link>"
                     f"<guid isPermaLink=\"false\">item-{number}</guid>"
                     f"<description>{description}</description>"
                     f"<pubDate>{published}</pubDate></item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode(encoding, errors="xmlcharrefreplace")


def many_items_feed(count: int = 10_000) -> bytes:
    """``count`` short, distinct, irrelevant items (about 150 bytes each)."""
    parts = ['<?xml version="1.0" encoding="utf-8"?>', '<rss version="2.0"><channel>',
             "<title>Firehose</title><link>http://example.org/</link><description>x"
             "</description>"]
    for n in range(count):
        parts.append(f"<item><title>Local council meets on budget item {n}</title>"
                     f"<link>https://firehose.example/{n}</link><guid>fh-{n}</guid>"
                     "<pubDate>Fri, 17 Jan 2025 09:00:00 GMT</pubDate></item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")


def invalid_utf8_feed() -> bytes:
    """Declared UTF-8, with stray continuation bytes, overlongs, surrogates and a lone lead byte."""
    bad = [b"\xff\xfe", b"\xc3\x28", b"\xa0\xa1", b"\xe2\x28\xa1", b"\xf0\x28\x8c\xbc",
           b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]
    items = []
    for n, junk in enumerate(bad):
        items.append(b"<item><title>Broken bytes " + junk + b" in headline " + str(n).encode()
                     + b"</title><link>https://bytes.example/" + str(n).encode() + b"</link>"
                     + b"<description>caf" + junk + b"e</description>"
                     + b"<pubDate>Fri, 17 Jan 2025 09:00:00 GMT</pubDate></item>")
    return (b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            b"<title>Bytes \xff wire</title><link>http://example.org/</link>"
            + b"".join(items) + b"</channel></rss>")


def huge_title_feed(size: int = MB) -> bytes:
    """One treaty item whose title is ``size`` bytes long (the signing headline, then filler)."""
    filler = ("Putin and Pezeshkian sign the treaty. " * (size // 38 + 1))[:size]
    return rss([(escape(SIGNED_TITLE + " " + filler), "https://huge.example/1",
                 escape(SIGNED_SUMMARY))], title="Huge")


def long_sentence_feed(items: int = 5, size: int = 20_000) -> bytes:
    """Treaty items whose summary is one ``size``-character sentence (no full stop in it)."""
    clause = "Putin and Pezeshkian sign the treaty on comprehensive strategic partnership, "
    sentence = (clause * (size // len(clause) + 1))[:size]
    return rss([(f"Russia and Iran treaty report {n}", f"https://long.example/{n}",
                 escape(sentence)) for n in range(items)], title="Long")


def billion_laughs() -> bytes:
    """Ten levels of ten references: 10^9 "lol"s (3 GB) if anything expanded them."""
    lines = ['<?xml version="1.0"?>', "<!DOCTYPE rss [", '  <!ENTITY lol0 "lol">']
    for level in range(1, 10):
        lines.append(f'  <!ENTITY lol{level} "' + f"&lol{level - 1};" * 10 + '">')
    lines += ["]>", '<rss version="2.0"><channel><title>&lol9;</title>',
              "<item><title>&lol9;</title><description>&lol9;</description>"
              "<link>https://laughs.example/1</link></item></channel></rss>"]
    return "\n".join(lines).encode("utf-8")


def quadratic_blowup() -> bytes:
    """One 64 KB entity referenced 4,000 times (256 MB if expanded)."""
    entity = "A" * 65_536
    refs = "&a;" * 4000
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "{entity}">]>\n'
            f'<rss version="2.0"><channel><title>Q</title><item><title>{refs}</title>'
            "<link>https://quadratic.example/1</link></item></channel></rss>").encode()


XXE_MARKER = "root:x:0:0"


def external_entity() -> bytes:
    """XXE: an external entity naming /etc/passwd; its text must never be read."""
    return (b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            b'<rss version="2.0"><channel><title>XXE</title>'
            b"<item><title>Leak &xxe; here</title><description>&xxe;</description>"
            b"<link>https://xxe.example/1</link><guid>xxe-1</guid></item></channel></rss>"
            )


def deep_nesting(depth: int = 100_000) -> bytes:
    return (b'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Deep</title><item>'
            b"<title>deep</title><description>" + b"<div>" * depth + b"x" + b"</div>" * depth
            + b"</description></item></channel></rss>")


# -- the hostile site ------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    path: str
    what: str
    expect_error: str | None  # a piece of the feed's last_error; None: processed within limits


FAULTS: dict[str, Fault] = {
    "trickle": Fault("/trickle.xml", "a body that trickles one byte a second", "timed out"),
    "slow_headers": Fault("/slow-headers.xml", "no headers for 60 s", "timed out"),
    "endless": Fault("/endless.xml", "an endless body", "larger than"),
    "gzip_bomb": Fault("/gzip-bomb.xml", "10 MB of spaces, gzip (10 KB on the wire)",
                       "larger than"),
    "gzip_stream": Fault("/gzip-stream.xml", "1 GB of spaces, gzip streamed (1 MB on the wire)",
                         "larger than"),
    "deflate_bomb": Fault("/deflate-bomb.xml", "64 MB of spaces, deflate", "larger than"),
    "huge_length": Fault("/huge-length.xml", "Content-Length: 100 GB", "larger than"),
    "short_body": Fault("/short-body.xml", "Content-Length larger than the body, then close",
                        "cut off"),
    "redirect_loop": Fault("/loop/0", "a redirect loop", "redirects"),
    "many_items": Fault("/many-items.xml", "a 10,000-item feed", None),
    "invalid_utf8": Fault("/invalid-utf8.xml", "invalid UTF-8 in a UTF-8 feed", None),
    "huge_title": Fault("/huge-title.xml", "a 1 MB title", None),
    "long_sentence": Fault("/long-sentence.xml", "5 treaty items, each a 20,000-character sentence",
                           None),
    "billion_laughs": Fault("/billion-laughs.xml", "XML entity expansion (billion laughs)", None),
    "quadratic": Fault("/quadratic.xml", "quadratic blowup (one 64 KB entity x 4,000)", None),
    "xxe": Fault("/xxe.xml", "an external entity naming /etc/passwd", None),
    "deep_nesting": Fault("/deep.xml", "100,000 nested elements", None),
}


def _stream_headers(**extra: str) -> dict[str, str]:
    return {"Content-Type": "application/rss+xml; charset=utf-8", **extra}


async def _write_quietly(response: web.StreamResponse, data: bytes) -> bool:
    """Write; False once the client has gone away."""
    try:
        await response.write(data)
    except (ConnectionError, RuntimeError, asyncio.CancelledError):
        return False
    return True


def hostile_app(*, trickle_seconds: int = 120, good_feed: bytes | None = None) -> web.Application:
    """One misbehaving feed per path of ``FAULTS`` (plus ``/good.xml`` when given)."""
    app = web.Application()
    spaces_10mb = gzip.compress(b"<rss><channel><title>" + b" " * (10 * MB), compresslevel=9)
    deflater = zlib.compressobj(9)
    deflate_64mb = deflater.compress(b"<rss><channel><title>" + b" " * (64 * MB)) + deflater.flush()
    static: dict[str, bytes] = {
        "/many-items.xml": many_items_feed(),
        "/invalid-utf8.xml": invalid_utf8_feed(),
        "/huge-title.xml": huge_title_feed(),
        "/long-sentence.xml": long_sentence_feed(),
        "/billion-laughs.xml": billion_laughs(),
        "/quadratic.xml": quadratic_blowup(),
        "/xxe.xml": external_entity(),
        "/deep.xml": deep_nesting(),
    }
    if good_feed is not None:
        static["/good.xml"] = good_feed

    def fixed(body: bytes) -> Callable[[web.Request], Any]:
        async def handler(request: web.Request) -> web.Response:
            return web.Response(body=body, headers=_stream_headers())

        return handler

    for path, body in static.items():
        app.router.add_get(path, fixed(body))

    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers=_stream_headers())
        await response.prepare(request)
        for byte in (b'<?xml version="1.0"?><rss version="2.0"><channel><title>'
                     + b"x" * trickle_seconds)[:trickle_seconds]:
            if not await _write_quietly(response, bytes([byte])):
                break
            await asyncio.sleep(1.0)
        return response

    async def slow_headers(request: web.Request) -> web.Response:
        await asyncio.sleep(60)
        return web.Response(text="late")

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers=_stream_headers())
        await response.prepare(request)
        chunk = b"<item><title>more</title></item>" * 2000  # 64 KB
        await _write_quietly(response, b'<?xml version="1.0"?><rss version="2.0"><channel>')
        for _ in range(200_000):  # about 12 GB at most; the client gives up long before
            if not await _write_quietly(response, chunk):
                break
        return response

    async def gzip_bomb(request: web.Request) -> web.Response:
        return web.Response(body=spaces_10mb,
                            headers=_stream_headers(**{"Content-Encoding": "gzip"}))

    async def gzip_stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers=_stream_headers(**{"Content-Encoding": "gzip"}))
        response.enable_chunked_encoding()
        await response.prepare(request)
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
        block = b" " * MB
        if not await _write_quietly(response, compressor.compress(b"<rss><channel><title>")):
            return response
        for _ in range(1024):  # 1 GB of spaces, about 1 MB compressed
            data = compressor.compress(block) + compressor.flush(zlib.Z_SYNC_FLUSH)
            if not await _write_quietly(response, data):
                return response
        await _write_quietly(response, compressor.flush())
        return response

    async def deflate_bomb(request: web.Request) -> web.Response:
        return web.Response(body=deflate_64mb,
                            headers=_stream_headers(**{"Content-Encoding": "deflate"}))

    async def huge_length(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers=_stream_headers())
        response.content_length = 100 * 1024 * MB
        await response.prepare(request)
        await _write_quietly(response, b"<rss>")
        return response

    async def short_body(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers=_stream_headers())
        response.content_length = 10_000
        await response.prepare(request)
        await _write_quietly(response, b'<?xml version="1.0"?><rss version="2.0"><channel>')
        await asyncio.sleep(0.1)
        if request.transport is not None:
            request.transport.close()
        return response

    async def loop(request: web.Request) -> web.Response:
        n = int(request.match_info["n"]) if request.match_info["n"].isdigit() else 0
        if n > 1000:
            return web.Response(status=508, text="loop detected")
        raise web.HTTPFound(f"/loop/{n + 1}")

    app.router.add_get("/trickle.xml", trickle)
    app.router.add_get("/slow-headers.xml", slow_headers)
    app.router.add_get("/endless.xml", endless)
    app.router.add_get("/gzip-bomb.xml", gzip_bomb)
    app.router.add_get("/gzip-stream.xml", gzip_stream)
    app.router.add_get("/deflate-bomb.xml", deflate_bomb)
    app.router.add_get("/huge-length.xml", huge_length)
    app.router.add_get("/short-body.xml", short_body)
    app.router.add_get("/loop/{n}", loop)
    return app


# -- hostile treaty feeds: markup and scripts in what does reach a digest ----------------------

SCRIPT = "<script>alert(1)</script>"

# (title, link, description) as raw XML text: CDATA, escaped markup and raw markup.
HOSTILE_SIGNED_ITEMS: list[tuple[str, str, str]] = [
    (f"<![CDATA[{SCRIPT}{SIGNED_TITLE} <img src=x onerror=alert(1)>]]>",
     "javascript:alert(document.cookie)",
     f"<![CDATA[<p onclick=\"alert(1)\">{SIGNED_SUMMARY}</p>{SCRIPT}"
     "<a href=\"javascript:alert(1)\">more</a><iframe src=\"javascript:alert(2)\"></iframe>]]>"),
    (escape(f"{SCRIPT}Iran, Russia ink comprehensive strategic partnership treaty "
            "<svg/onload=alert(1)>"),
     # an official source's link (one official report confirms the signing), with tracking
     "https://en.kremlin.ru/events/president/news/ink?utm_source=x",
     escape("Pezeshkian and Putin signed the treaty on comprehensive strategic partnership in "
            "Moscow. <b onmouseover=alert(1)>bold</b> [click](javascript:alert(1)) "
            "&lt;script&gt;alert(3)&lt;/script&gt; <style>body{}</style> @everyone <@&123>")),
]

HOSTILE_DELAYED_ITEMS: list[tuple[str, str, str]] = [
    (escape("Kremlin says Russia-Iran treaty signing postponed <script src=//evil.example/x.js>"
            "</script>"),
     "vbscript:msgbox(1)",
     escape("The signing of the treaty on comprehensive strategic partnership between Russia "
            "and Iran has been postponed, the Kremlin said. <img src=x onerror=alert(1)> "
            "JaVaScRiPt:alert(1) <a href='data:text/html,<script>alert(1)</script>'>x</a>")),
]


TAG = re.compile(r"<[a-zA-Z/!][^>]*>")
CHAT_LINK = re.compile(r"<https?://[^\s<>|]*(?:\|[^<>]*)?>")


def markup_problems(text: str) -> list[str]:
    """What must never reach a message: ``<script``, an HTML tag, ``javascript:``.

    Discord/Slack link syntax (``<https://…>``, ``<https://…|label>``) is allowed.
    """
    problems = []
    lowered = text.lower()
    if "<script" in lowered:
        problems.append("<script")
    if "javascript:" in lowered:
        problems.append("javascript:")
    stripped = CHAT_LINK.sub("", text)
    problems += [f"tag {m.group(0)[:80]!r}" for m in TAG.finditer(stripped)]
    return problems


def strings_in(value: Any) -> list[str]:
    """Every string inside a JSON value (keys too)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings_in(k), *strings_in(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


# -- feedparser's corpus ------------------------------------------------------------------------

_HEADER = re.compile(rb"^Header:\s*([A-Za-z0-9-]+)\s*:\s*(.*?)\s*$", re.MULTILINE)
_SAFE_HEADERS = {"content-type", "content-location", "content-language", "etag",
                 "last-modified", "x-foo"}


def corpus_files(folder: Path = CORPUS) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".xml", ".json"))


def corpus_headers(path: Path, body: bytes) -> dict[str, str]:
    """The headers a corpus file asks for in its leading comment (best effort)."""
    headers = {"Content-Type": "application/json" if path.suffix == ".json"
               else "application/xml"}
    for name, value in _HEADER.findall(body[:2000]):
        key = name.decode("ascii").lower()
        text = value.decode("latin-1")
        if key in _SAFE_HEADERS and "\r" not in text and "\n" not in text:
            headers["-".join(w.capitalize() for w in key.split("-"))] = text
    return headers


def corpus_app(folder: Path = CORPUS) -> tuple[web.Application, list[str]]:
    """Every corpus file at ``/corpus/<relative path>``; also returns the paths served."""
    pages: dict[str, tuple[bytes, dict[str, str]]] = {}
    for path in corpus_files(folder):
        body = path.read_bytes()
        pages[path.relative_to(folder).as_posix()] = (body, corpus_headers(path, body))

    async def handler(request: web.Request) -> web.Response:
        page = pages.get(request.match_info["path"])
        if page is None:
            return web.Response(status=404, text="no such file")
        body, headers = page
        return web.Response(body=body, headers=headers)

    app = web.Application()
    app.router.add_get("/corpus/{path:.*}", handler)
    return app, sorted(pages)


# -- the webhook stand-in as a process ----------------------------------------------------------


class StandinProcess:
    """``python tests/webhook_standin.py --port 0 --log FILE``: ``with StandinProcess(log) as url``.

    ``records()`` reads what it received (one dict a request, ``_standin`` holding its answer).
    """

    def __init__(self, log: Path, script: list[dict[str, Any]] | None = None) -> None:
        self.log = log
        self.script = script or []
        self.url = ""
        self.proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> StandinProcess:
        args = [sys.executable, str(ROOT / "tests" / "webhook_standin.py"), "--port", "0",
                "--log", str(self.log)]
        if self.script:
            args += ["--script", json.dumps(self.script)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # "webhook stand-in listening on http://127.0.0.1:N"
        if "listening on" not in line:
            self.proc.kill()
            raise RuntimeError(f"the webhook stand-in did not start: {line!r}")
        self.url = line.strip().rsplit(" ", 1)[-1]
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
            for stream in (self.proc.stdout, self.proc.stderr):
                if stream is not None:
                    stream.close()

    def records(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()
                if line.strip()]

    def delivered(self, service: str | None = None) -> list[dict[str, Any]]:
        """The requests answered 2xx (what the real service would have posted)."""
        return [r for r in self.records() if 200 <= r["_standin"]["status"] < 300
                and (service is None or r["_standin"]["service"] == service)]
