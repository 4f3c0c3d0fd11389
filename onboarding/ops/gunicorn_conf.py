"""gunicorn settings for `onboarding serve` (command-line flags given by serve override these)."""
from __future__ import annotations

from onboarding.ops.serve import TIMEOUT_SECONDS

worker_class = "sync"
timeout = TIMEOUT_SECONDS
graceful_timeout = TIMEOUT_SECONDS
keepalive = 5
# Recycle workers now and then (a slow leak anywhere cannot grow for ever); jitter spreads restarts.
max_requests = 1000
max_requests_jitter = 100
# The app writes one line per request itself (ops/logging.py), with the request id and endpoint.
accesslog = None
errorlog = "-"
loglevel = "info"
# Proxies are trusted through ONBOARDING_PROXY_FIX (ProxyFix), not through gunicorn's own setting.
forwarded_allow_ips = "127.0.0.1"


def child_exit(server, worker):
    """A worker that is gone (recycled, crashed, SIGKILLed) keeps its counters but not its live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
# gunicorn's control socket (a fixed path under $HOME) would collide between servers on one machine.
control_socket_disable = True
