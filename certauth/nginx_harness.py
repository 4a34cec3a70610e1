"""Run Debian's nginx with deploy/nginx-ocsp.conf in front of a local Django (tests, bench).

Not used in production: there deploy/nginx.conf includes the same file (docker-compose).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

SNIPPET = Path(__file__).resolve().parent.parent / "deploy" / "nginx-ocsp.conf"
SCRIPT = SNIPPET.parent / "ocsp.js"
DEPLOYED_ROOT = "root /var/lib/sekap-ocsp;"
DEPLOYED_SCRIPT = "/etc/nginx/njs/sekap-ocsp.js"
JS_MODULE = Path("/usr/lib/nginx/modules/ngx_http_js_module.so")  # Debian's libnginx-mod-http-js

_CONF = """
load_module {js_module};
worker_processes {workers};
{user}
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    upstream sekap_web {{ server 127.0.0.1:{upstream}; }}
    limit_req_zone $binary_remote_addr zone=ocsp:1m rate=100000r/s;
    server {{
        listen 127.0.0.1:{port};
        include {work}/ocsp.conf;
    }}
}}
"""


def available() -> bool:
    nginx = shutil.which("nginx") is not None or Path("/usr/sbin/nginx").exists()
    return nginx and JS_MODULE.exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx on 127.0.0.1:<port>: pre-signed files from ``root``, the rest to ``upstream``."""

    def __init__(self, *, root: Path, upstream_port: int, work: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.work = work
        work.mkdir(parents=True, exist_ok=True)
        snippet = SNIPPET.read_text()
        assert DEPLOYED_ROOT in snippet and DEPLOYED_SCRIPT in snippet
        snippet = snippet.replace(DEPLOYED_ROOT, f"root {root};")
        (work / "ocsp.conf").write_text(snippet.replace(DEPLOYED_SCRIPT, str(SCRIPT)))
        user = "user root;" if os.geteuid() == 0 else ""  # workers must read the files
        (work / "nginx.conf").write_text(
            _CONF.format(
                js_module=JS_MODULE,
                workers=workers,
                user=user,
                work=work,
                upstream=upstream_port,
                port=self.port,
            )
        )
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen(
            [binary, "-p", str(work), "-c", str(work / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx failed: {self.process.stderr.read().decode()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
