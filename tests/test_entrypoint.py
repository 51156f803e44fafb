"""The container's command, run for real: `treatybot run --http HOST:PORT` serves the status
page, health and metrics while the scheduler runs, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _dockerfile_command() -> list[str]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    entry = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", text, re.M).group(1))
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))
    return entry + cmd


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_dockerfile_runs_the_bot_with_its_status_page():
    command = _dockerfile_command()
    assert command[:2] == ["treatybot", "run"] and "--http" in command
    assert "USER treatybot" in (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_container_command_serves_health_status_metrics_and_page(tmp_path: Path):
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    (tmp_path / "watchlist.yaml").write_text("outputs:\n  - type: console\n", encoding="utf-8")
    port = _free_port()
    command = _dockerfile_command()
    # the same command, bound to loopback instead of the container's 0.0.0.0
    args = [a.replace("0.0.0.0:8080", f"127.0.0.1:{port}") for a in command[1:]]
    proc = subprocess.Popen([sys.executable, "-m", "bot", *args, "--state", str(tmp_path / "st")],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            try:
                status, _ = _get(f"http://127.0.0.1:{port}/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        assert status == 200, proc.stderr.read() if proc.poll() is not None else status
        code, body = _get(f"http://127.0.0.1:{port}/status.json")
        assert code == 200 and json.loads(body)["status"] == "delayed"
        code, body = _get(f"http://127.0.0.1:{port}/metrics")
        assert code == 200 and b'treatybot_status{status="delayed"} 1.0' in body
        code, body = _get(f"http://127.0.0.1:{port}/")
        assert code == 200 and b"delayed" in body.lower()
        code, body = _get(f"http://127.0.0.1:{port}/timeline.png")
        assert code == 200 and body.startswith(b"\x89PNG")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, proc.stderr.read()


def _dockerfile_copies() -> list[str]:
    """The sources of the Dockerfile's COPY lines: all the image gets of the repository."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    sources: list[str] = []
    for line in re.findall(r"^COPY (.+)$", text, re.M):
        sources += line.split()[:-1]  # the last word is the destination
    return sources


def _pip_target(source: Path, target: Path) -> subprocess.CompletedProcess:
    # the test extra brings a setuptools that builds wheels, so no index is needed
    isolation = ["--no-build-isolation"]
    return subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *isolation,
         "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=300,
    )


def test_the_files_the_image_copies_make_a_working_installed_bot(tmp_path: Path):
    """What `docker build` does, short of Docker (no engine here): only the files the
    Dockerfile copies, installed as a package (not editable), run from another folder with the
    image's environment. A module left out of the package, or a file read from the checkout,
    fails here."""
    app = tmp_path / "app"
    app.mkdir()
    sources = _dockerfile_copies()
    assert {"pyproject.toml", "bot", "seeds", "watchlist.yaml"} <= set(sources)
    for name in sources:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(ROOT / name, app / name)
    shutil.rmtree(app / "bot" / "__pycache__", ignore_errors=True)
    built = _pip_target(app, tmp_path / "site")
    assert built.returncode == 0, built.stderr[-2000:]

    # -S: no site module, so no .pth file runs and this checkout's editable install cannot
    # lend the installed copy a module it lacks; the dependencies come from this interpreter's
    # site-packages, after the installed copy (the image's interpreter has them itself)
    deps = sysconfig.get_paths()["purelib"]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{tmp_path / 'site'}{os.pathsep}{deps}",
           "TREATYBOT_WATCHLIST": str(app / "watchlist.yaml"),
           "TREATYBOT_STATE": str(tmp_path / "data" / "state"), "HOME": str(tmp_path)}
    elsewhere = tmp_path / "elsewhere"  # not the checkout: nothing imported from the cwd
    elsewhere.mkdir()
    result = subprocess.run(
        [sys.executable, "-S", "-c", "import sys; sys.path.remove('') if '' in sys.path else None; "
         "import bot; assert bot.__file__.startswith(sys.argv[1]), bot.__file__; "
         "from bot.interfaces.cli import main; main(['run', '--once'], prog_name='treatybot')",
         str(tmp_path / "site")],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Treaty baseline: delayed" in result.stdout
    assert (tmp_path / "data" / "state").is_dir()

    # the labelled set ships inside the package: `eval` works in the image too
    evaluated = subprocess.run(
        [sys.executable, "-S", "-c", "from bot.interfaces.cli import main; main(['eval'], "
         "prog_name='treatybot')"], cwd=elsewhere, env=env, capture_output=True, text=True,
        timeout=120)
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    assert "Traceback" not in evaluated.stderr
