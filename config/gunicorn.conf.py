"""gunicorn settings for production: ``gunicorn -c config/gunicorn.conf.py config.wsgi:application``.

The Dockerfile and docker-compose.yml start gunicorn this way, behind nginx
(deploy/nginx.conf), which buffers whole requests and answers before gunicorn
sees them. These settings also hold without the proxy, for a bounded number of
slow clients:

* **gthread workers.** A sync worker serves one connection at a time, so two
  clients sending a body at 1 byte/s took both of two workers, and ``/healthz``
  waited a minute. A gthread worker waits for a connection's first bytes without
  a thread, and serves requests on ``GUNICORN_THREADS`` threads. A client that
  trickles its body holds one thread, not the worker. Up to
  ``WEB_CONCURRENCY`` x ``GUNICORN_THREADS`` - 1 such clients leave a thread free.
  More than that needs the proxy, which holds them without any thread.
* **Database connections.** Each thread keeps its own (``CONN_MAX_AGE``), so
  PostgreSQL needs up to ``WEB_CONCURRENCY`` x ``GUNICORN_THREADS`` for the web.
* **Timeouts and limits.** ``timeout`` restarts a worker whose main loop stops
  answering (a thread stuck in C code, say). ``keepalive`` is longer than
  nginx's upstream ``keepalive_timeout``, so nginx closes an idle connection
  first and never sends on one that gunicorn is closing. Request lines and
  headers are capped (414, 431 or 400 beyond the caps).
* **Start-up** (``on_starting``): with ``DEBUG`` off the pages need the
  collected static files. ``python -m config.startup`` runs
  ``collectstatic --noinput`` when STATIC_ROOT's manifest is missing or out of
  date. When it cannot, gunicorn stops with a message naming the command to run.

Environment: ``GUNICORN_BIND`` (default ``127.0.0.1:8000``; the image sets
``0.0.0.0:8000``), ``WEB_CONCURRENCY`` (workers, default 3),
``GUNICORN_THREADS`` (threads per worker, default 8), ``GUNICORN_TIMEOUT``
(seconds, default 30).
"""

import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number; got {raw!r}.") from None
    if value < 1:
        raise RuntimeError(f"{name} must be 1 or more; got {raw!r}.")
    return value


wsgi_app = "config.wsgi:application"
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")]

worker_class = "gthread"
workers = _positive_int("WEB_CONCURRENCY", 3)
threads = _positive_int("GUNICORN_THREADS", 8)

timeout = _positive_int("GUNICORN_TIMEOUT", 30)
# On SIGTERM, requests in flight get this long to finish (a deploy, docker stop's 10 s default).
graceful_timeout = 8
keepalive = 5

# gunicorn's defaults, stated: nginx's large_client_header_buffers (8k) are not smaller.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

accesslog = "-"
errorlog = "-"
# The heartbeat file lives in memory where there is one (a container's /tmp may be on disk).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# No runtime control socket (gunicorn 25+ opens one in $HOME by default): nothing uses it, and two
# instances on one host would share its path.
control_socket_disable = True


def on_starting(server) -> None:
    """Collect the static files if the manifest needs it, or stop gunicorn saying what to run.

    Runs ``python -m config.startup`` as a child process: the master imports no
    Django, so the workers it forks inherit no storage or connection state.
    """
    finished = subprocess.run(
        [sys.executable, "-m", "config.startup"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.stdout.strip():
        server.log.info("%s", finished.stdout.strip())
    if finished.returncode != 0:
        # gunicorn prints a RuntimeError raised here as "Error: ..." and exits with status 1.
        said = finished.stderr.strip().splitlines()
        raise RuntimeError(said[-1] if said else f"python -m config.startup exited {finished.returncode}")
