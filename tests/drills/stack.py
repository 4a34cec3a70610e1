"""The drill's own installation: a private PostgreSQL cluster, a private Redis, gunicorn serving
the real project and a real Celery worker (prefork), each a subprocess the drill controls, so
it can kill and restart them without touching the machine's shared services.

PostgreSQL refuses to run as root: when the drill runs as root (CI), the cluster belongs to the
``postgres`` system user and every ``initdb``/``pg_ctl`` runs through ``runuser``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
RUNTIME = Path(__file__).resolve().parent / "runtime"


class StackError(RuntimeError):
    """A service of the drill could not be started (the drill then fails, never skips, in CI)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, *, seconds: float, what: str, process: subprocess.Popen | None = None):
    deadline, last = time.monotonic() + seconds, None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise StackError(f"{what}: the process exited with {process.returncode}")
        try:
            if check():
                return
        except Exception as exc:  # not up yet: try again
            last = exc
        time.sleep(0.2)
    raise StackError(f"{what}: not ready within {seconds:.0f} s (last error: {last!r})")


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


def postgres_bin() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(path.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise StackError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    return Path(initdb).parent


@dataclass
class Postgres:
    """A throw-away cluster: trust authentication on 127.0.0.1 only, its own port, in a
    directory of its own under the system's temporary directory (reachable by ``postgres``
    when the cluster runs as that user); deleted by :meth:`remove`."""

    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sekap-pg-")))
    port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        self.bin = postgres_bin()
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        self.owner = "postgres" if os.geteuid() == 0 else ""

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.owner:
            command = ["runuser", "-u", self.owner, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if check and result.returncode != 0:
            raise StackError(f"{' '.join(args[:2])} failed: {result.stderr or result.stdout}")
        return result

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/sekap_drill"

    def init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.owner:
            try:
                user = pwd.getpwnam(self.owner)
            except KeyError as exc:
                raise StackError("running as root and there is no 'postgres' user") from exc
            os.chown(self.directory, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        (self.data / "postgresql.auto.conf").write_text(
            f"port = {self.port}\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.directory}'\n"
            "max_connections = 100\n"
            "fsync = off\n"  # the drill kills processes, never the machine: the page cache stays
            "full_page_writes = off\n"
            "shared_buffers = '32MB'\n"
        )
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                  "sekap_drill")  # fmt: skip

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def restart(self, *, mode: str = "immediate") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-m", mode, "restart")  # fmt: skip

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@dataclass
class Redis:
    """A private redis-server persisting to an append-only file, as the deployment's does."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            raise StackError("redis-server is not installed")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [server, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.directory),
             "--appendonly", "yes", "--save", "", "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self._pong, seconds=30, what="redis-server", process=self.process)

    def _pong(self) -> bool:
        import redis

        return bool(redis.Redis(port=self.port, socket_timeout=0.5).ping())

    def stop(self) -> None:
        """A clean stop (SIGTERM: Redis writes its append-only file and exits)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def _stop_group(process: subprocess.Popen | None, *, sig=signal.SIGTERM, seconds=30) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@dataclass
class Stack:
    """Everything the drill runs; ``env`` is the environment of the project's processes."""

    directory: Path
    postgres: Postgres
    redis: Redis
    web_port: int = field(default_factory=free_port)
    web: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    workers_started: int = 0
    supervisor_restarts: int = 0  # worker exits the supervisor answered with a new worker
    _supervisor: threading.Thread | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)
    requests: list[dict] = field(default_factory=list)  # what the load generator files

    @classmethod
    def create(cls, directory: Path) -> Stack:
        return cls(
            directory=directory,
            postgres=Postgres(),
            redis=Redis(directory / "redis"),
        )

    @property
    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DATABASE_URL", "REDIS_URL", "CLAMD_", "PYTEST_", "DJANGO_"))
        }
        return env | {
            "DATABASE_URL": self.postgres.url,
            "REDIS_URL": self.redis.url,
            "SEKAP_VAR_DIR": str(self.directory / "var"),
            "CA_KEY_PASSPHRASE": "drill passphrase",
            "CERTAUTH_BASE_URL": f"http://127.0.0.1:{self.web_port}",
            "SITE_URL": f"http://127.0.0.1:{self.web_port}",
            "DJANGO_SETTINGS_MODULE": "drill_settings",
            "PYTHONPATH": f"{RUNTIME}:{ROOT}",
        }

    def log(self, name: str) -> Path:
        return self.directory / f"{name}.log"

    def manage(self, *args: str, timeout: float = 600) -> str:
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise StackError(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def start_web(self) -> None:
        log = self.log("gunicorn").open("ab")
        self.web = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "drill_wsgi:application", "--preload",
             "--workers", "3", "--bind", f"127.0.0.1:{self.web_port}",
             "--log-level", "warning", "--timeout", "60", "--graceful-timeout", "5"],
            cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        wait_until(lambda: listening(self.web_port), seconds=120, what="gunicorn", process=self.web)

    def start_worker(self) -> None:
        """A Celery worker as deployed (prefork); answering a ping when this returns."""
        self.workers_started += 1
        name = f"drill{self.workers_started}@localhost"
        log = self.log("worker").open("ab")
        self.worker = subprocess.Popen(
            [str(VENV_BIN / "celery"), "-A", "sekap", "worker", "--pool=prefork",
             "--concurrency=2", "--loglevel=WARNING", "--hostname", name],
            cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        wait_until(lambda: self._answers(name), seconds=90, what="celery worker",
                   process=self.worker)  # fmt: skip

    def _answers(self, name: str) -> bool:
        """The worker ``name`` answers a ping on the drill's Redis. Asked from this process: a
        ``celery inspect ping`` process would load the project again for every try."""
        from celery import Celery

        app = Celery("drill-ping", broker=self.redis.url, set_as_current=False)
        try:
            return bool(app.control.ping(destination=[name], timeout=1))
        finally:
            app.close()

    def supervise_worker(self) -> None:
        """Start a new worker whenever the worker exits, as the deployment's process supervisor
        does (docker-compose ``restart: unless-stopped``)."""

        def watch() -> None:
            while not self._stopping.wait(0.5):
                if self.worker is not None and self.worker.poll() is not None:
                    self.supervisor_restarts += 1
                    try:
                        self.start_worker()
                    except StackError:
                        self.worker = None  # the next round tries again
                        time.sleep(1)

        self._supervisor = threading.Thread(target=watch, daemon=True)
        self._supervisor.start()

    def kill_worker(self) -> int:
        """SIGKILL to the worker and its pool, as the kernel's OOM killer or a node loss would;
        the supervisor starts a new one. The pid killed."""
        killed = self.worker
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()
        return killed.pid

    def stop(self) -> None:
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join()
        _stop_group(self.worker)
        _stop_group(self.web)
        self.redis.stop()
        self.postgres.remove()

    def diagnostics(self) -> str:
        return "\n".join(
            f"--- {name} (last lines) ---\n{tail(path)}"
            for name, path in [
                ("gunicorn", self.log("gunicorn")),
                ("worker", self.log("worker")),
                ("postgres", self.postgres.log),
                ("redis", self.redis.directory / "redis.log"),
            ]
        )
