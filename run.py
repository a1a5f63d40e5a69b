#!/usr/bin/env python3
"""The quick start: everything from a bare Python 3.11+.

    python3 run.py serve    install into .venv and start the service on embedded defaults
    python3 run.py test     install into .venv (with test tools) and run every check

Extra arguments after `test` go to pytest; `serve` passes them to `township serve`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
# The console's browser tests drive Debian's chromium (Playwright cannot download a browser
# everywhere), and Chinese needs fonts of its own. tests/browser.py reads these too.
BROWSER_PACKAGES = {"chromium": "chromium", "fonts": "fonts-noto-cjk"}


def _install(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036  (run.py itself may meet an old Python)
        sys.exit("township-desk needs Python 3.11 or newer")
    if not PY.exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print("installing township-desk into .venv ...", flush=True)
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    subprocess.run(
        [str(PY), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target],
        check=True,
    )
    stamp.write_text(digest)


def browser_missing() -> list[str]:
    """The Debian packages the browser tests need and this machine lacks."""
    missing = []
    if shutil.which("chromium") is None:
        missing.append(BROWSER_PACKAGES["chromium"])
    fc_list = shutil.which("fc-list")
    fonts = fc_list and subprocess.run(
        [fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False
    )
    if not (fonts and fonts.stdout.strip()):
        missing.append(BROWSER_PACKAGES["fonts"])
    return missing


def browser_hint(missing: list[str]) -> str:
    return (
        f"the browser tests need {' and '.join(missing)}: run `apt-get install "
        f"{' '.join(missing)}` as root (`python3 run.py test` does it when run as root)"
    )


def _ensure_browser() -> None:
    """Install chromium and the Chinese fonts with apt-get when missing and we may;
    otherwise say so (the browser tests then fail, saying it again)."""
    missing = browser_missing()
    if not missing:
        return
    apt_get = shutil.which("apt-get")
    if apt_get is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        print("note:", browser_hint(missing), flush=True)
        return
    print(f"installing {' '.join(missing)} ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [apt_get, "install", "-y", "-q", *missing]
    if subprocess.run(install, env=env, check=False).returncode:
        subprocess.run([apt_get, "update", "-q"], env=env, check=True)  # a stale package list
        subprocess.run(install, env=env, check=True)


def _run(*cmd: str) -> int:
    print("$", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT).returncode


def serve(args: list[str]) -> int:
    _install("")
    return _run(str(BIN / "township"), *args, "serve")


def test(args: list[str]) -> int:
    _install("test")
    _ensure_browser()
    for check in (
        [str(PY), "-m", "ruff", "check", "."],
        [str(PY), "-m", "mypy"],
    ):
        if code := _run(*check):
            return code
    return _run(str(PY), "-m", "pytest", *args)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("serve", "test"):
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    return serve(rest) if command == "serve" else test(rest)


if __name__ == "__main__":
    raise SystemExit(main())
