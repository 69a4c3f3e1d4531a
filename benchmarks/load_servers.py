"""The processes ``benchmarks.load`` runs against: gunicorn and a Celery worker, started and always stopped.

Both start in a session of their own, so a Ctrl-C at the terminal reaches
only the load script, which then stops them (SIGTERM to each process group,
SIGKILL after a grace period). Their output goes to log files whose tail is
shown when something fails.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
STOP_GRACE_SECONDS = 10.0
START_TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(*, database_url: str, redis_url: str, secret_key: str) -> dict[str, str]:
    """Production settings for plain http on 127.0.0.1, with the rate limit out of the way.

    DEBUG off, the https-only settings off (no TLS here), and ``API_RATE_LIMIT``
    raised: the load is one token, far above the 600/min default. The limit
    is still counted on every request, one Redis round trip whatever the rate
    (``integrations.api.throttling``), as under the default.
    ``SERVER_TIMING`` on: every answer says how many queries it took and the
    CPU it used (``config.server_timing``), which the load client reads.
    """
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secret_key,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "0",
        "SECURE_HSTS_PRELOAD": "0",
        "API_RATE_LIMIT": "100000/s",
        "SERVER_TIMING": "1",
        "LOG_LEVEL": os.environ.get("LOAD_LOG_LEVEL", "WARNING"),
    }


class Servers:
    """gunicorn on ``127.0.0.1:<port>`` and one Celery worker; ``stop()`` is safe to call twice."""

    def __init__(
        self, *, environment: dict[str, str], web_workers: int, web_threads: int, task_workers: int
    ) -> None:
        self.environment = environment
        self.web_workers = web_workers
        self.web_threads = web_threads
        self.task_workers = task_workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_dir = Path(tempfile.mkdtemp(prefix="scorecards-load-"))
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        # The production settings (config/gunicorn.conf.py: gthread workers, access log, limits),
        # with the worker and thread counts of this run.
        self._spawn(
            "gunicorn",
            [
                sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py",
                "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(self.web_workers),
                "--threads", str(self.web_threads),
                "--log-level", "warning",
                "config.wsgi:application",
            ],
        )  # fmt: skip
        self._spawn(
            "celery",
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "--concurrency", str(self.task_workers),
                "--loglevel", "WARNING",
                "--hostname", f"load-{self.port}@%h",
                "--without-gossip", "--without-mingle",
            ],
        )  # fmt: skip

    def _spawn(self, name: str, command: list[str]) -> None:
        log = (self.log_dir / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            cwd=PROJECT_DIR,
            env=self.environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def wait_ready(self, *, worker_ping: Callable[[], bool]) -> None:
        """Wait for ``/healthz`` to answer 200 and for ``worker_ping`` to be true; raise on a timeout."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._healthy():
            self._check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer /healthz within {START_TIMEOUT_SECONDS:.0f} s")
            time.sleep(0.2)
        while not worker_ping():
            self._check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not answer within {START_TIMEOUT_SECONDS:.0f} s")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as answer:  # noqa: S310
                return answer.status == 200
        except OSError:
            return False

    def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with code {process.returncode}")

    def pids(self) -> list[int]:
        """Every process of both servers (masters and their children), for CPU accounting."""
        found: list[int] = []
        pending = [process.pid for process in self.processes.values() if process.poll() is None]
        while pending:
            pid = pending.pop()
            found.append(pid)
            with contextlib.suppress(OSError):
                for task in Path(f"/proc/{pid}/task").iterdir():
                    pending.extend(int(child) for child in (task / "children").read_text().split())
        return found

    def log_tails(self, lines: int = 30) -> str:
        parts = []
        for name in self.processes:
            text = (self.log_dir / f"{name}.log").read_text(errors="replace").splitlines()
            parts.append(f"--- {name} log (last {lines} lines of {self.log_dir / name}.log) ---")
            parts.extend(text[-lines:])
        return "\n".join(parts)

    def stop(self) -> None:
        """SIGTERM each process group (ours: started in its own session), SIGKILL what outlives the grace."""
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in self.processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            # Children the master left behind (it exits first on SIGKILL) share its process group.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def servers_running(**kwargs) -> Iterator[Servers]:
    servers = Servers(**kwargs)
    try:
        servers.start()
        yield servers
    finally:
        # A second Ctrl-C (or `timeout`, which signals the child and then its whole group) must not
        # cut the clean-up short and leave a server running.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            servers.stop()
        finally:
            signal.signal(signal.SIGINT, previous)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (Linux /proc; 0 for a gone one)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


def machine_cpu_times() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat; (0, 0) elsewhere."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already counted in user
    return (total - idle) / ticks, total / ticks
