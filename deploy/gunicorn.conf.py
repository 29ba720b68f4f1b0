"""gunicorn settings for Simpul: `gunicorn -c deploy/gunicorn.conf.py app:app`.

Every value can be set from the environment (the systemd unit's EnvironmentFile), so the same
file serves the reference deployment (docs/deployment.md) and the tests that start real servers
(tests/servers.py).
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("SIMPUL_BIND", "127.0.0.1:8000")
# Threaded workers: an evidence upload streams for as long as the client sends (nginx passes it
# through unbuffered, because buffering would write evidence in clear to the proxy's disk), and
# must hold one thread, not a whole worker.
worker_class = "gthread"
workers = int(os.environ.get("SIMPUL_WORKERS") or multiprocessing.cpu_count() * 2)
threads = int(os.environ.get("SIMPUL_THREADS") or 4)
# The app takes seconds to import (policies, templates, OpenAPI): import it once in the master,
# then fork. Each worker opens its own database connections (post_fork below).
preload_app = True
timeout = int(os.environ.get("SIMPUL_WORKER_TIMEOUT") or 120)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak in any library cannot grow without bound.
max_requests = 5000
max_requests_jitter = 500
# Bounded request line and headers; bodies are bounded by the app (SIMPUL_EVIDENCE_MAX_BYTES).
limit_request_line = 8190
limit_request_fields = 100
accesslog = os.environ.get("SIMPUL_ACCESS_LOG") or "-"
errorlog = "-"
loglevel = os.environ.get("SIMPUL_LOG_LEVEL") or "info"
# The client address comes from nginx through ProxyFix (SIMPUL_PROXY_HOPS=1), not from gunicorn.
forwarded_allow_ips = "127.0.0.1"
proc_name = "simpul"


def post_fork(server, worker):  # type: ignore[no-untyped-def]
    """Drop the connections the master opened at start-up (the keyring check, migrations
    state): a pooled connection shared by two processes would interleave their traffic."""
    import app as entry

    entry.app.extensions["simpul.db"].engine.dispose(close=False)
