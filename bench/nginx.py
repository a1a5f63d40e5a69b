"""nginx in front of `township serve` processes, as deploy/nginx/township.conf ships it,
for bench/webhook.py's multi-process line (tests/test_deploy_nginx.py runs the same file
for correctness under a kill)."""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from bench.children import installed

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "deploy" / "nginx" / "township.conf"


def find_or_install() -> str:
    """nginx's path, installed with apt-get when missing (RuntimeError saying why if not)."""
    return installed("nginx", "nginx")


def conf(prefix: Path, listen: int, upstreams: list[int]) -> str:
    """The shipped server block with these ports, inside a main configuration that keeps
    nginx's files in ``prefix``; one worker (the machine's cores go to the services)."""
    site = SITE.read_text("utf-8")
    shipped = re.findall(r"^\s*server 127\.0\.0\.1:(\d+) ", site, flags=re.M)
    if len(shipped) != len(upstreams):
        raise RuntimeError(f"{SITE} names {len(shipped)} upstream servers, not {len(upstreams)}")
    for old, new in zip(shipped, upstreams, strict=True):
        site = site.replace(f"server 127.0.0.1:{old} ", f"server 127.0.0.1:{new} ", 1)
    site = re.sub(r"^(\s*)listen 80;$", rf"\1listen 127.0.0.1:{listen};", site, flags=re.M)
    # No access log: the bench measures the processes, not nginx's disk.
    site = re.sub(r"^(\s*access_log )/var/log/nginx/[^;]*;", r"\1off;", site, flags=re.M)
    user = ""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        user = f"user nobody {grp.getgrgid(nobody.pw_gid).gr_name};\n"
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\n"
        f"error_log {prefix / 'error.log'} warn;\n"
        f"pid {prefix / 'nginx.pid'};\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n{temp}\n{site}\n}}\n"
    )


class Nginx:
    def __init__(self, program: str, listen: int, upstreams: list[int]) -> None:
        self.prefix = Path(tempfile.mkdtemp(prefix="township-bench-nginx-"))
        self.prefix.chmod(0o755)  # its workers (nobody) read their temporary folders here
        path = self.prefix / "nginx.conf"
        path.write_text(conf(self.prefix, listen, upstreams), "utf-8")
        self.proc = subprocess.Popen(
            [
                program,
                "-p",
                str(self.prefix),
                "-e",
                str(self.prefix / "error.log"),
                "-c",
                str(path),
                "-g",
                "daemon off;",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.prefix, ignore_errors=True)

    def pids(self) -> list[int]:
        """The master and its worker."""
        found = [self.proc.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat[stat.rindex(")") + 2 :].split()[1]) == self.proc.pid:
                    found.append(int(entry.name))
        return found
