"""Debian's nginx with its cache (deploy/nginx.conf) in front of several uvicorn workers, on loopback: the
configuration filled in, the stack started and stopped, its access log and cache verdicts read back.
`python -m scripts.stack` is the command; `running_stack()` is the same for tests.

Everything nginx writes (pid, logs, temporary files, the cache) lives in one temporary directory, so it runs
without root; as root its worker processes run as nobody.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from scripts.serve import ROOT, free_port, running_server, wait_for

TEMPLATE = ROOT / "deploy" / "nginx.conf"
TEMP_DIRS = ("body", "proxy", "fastcgi", "uwsgi", "scgi")
# Answered with the body the cache holds: a fresh entry, a stale one (while refreshing or while the workers fail), or
# one the app confirmed unchanged (304).
SERVED_FROM_CACHE = ("HIT", "STALE", "UPDATING", "REVALIDATED")


def nginx_binary() -> str | None:
    """Debian installs nginx in /usr/sbin, which is not on every user's PATH."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None


def render(listen: str, servers: Sequence[str], state: Path, user: str = "") -> str:
    """deploy/nginx.conf with its fields filled in."""
    if not servers:
        raise ValueError("servers: at least one upstream host:port is needed")
    fields = {
        "{{USER}}": f"user {user};" if user else "",
        "{{STATE}}": str(state),
        "{{LISTEN}}": listen,
        "{{SERVERS}}": "\n        ".join(f"server {s};" for s in servers),
    }
    text = TEMPLATE.read_text()
    for key, value in fields.items():
        text = text.replace(key, value)
    if "{{" in text:
        raise ValueError(f"{TEMPLATE} has a field render() does not fill: {text[text.index('{{') :][:40]}")
    return text


@dataclass(frozen=True)
class CacheStats:
    """The cache's verdicts in an access log (requests under a cached location only)."""

    counts: dict[str, int]
    requests: int  # every request in the log, cached location or not

    @property
    def looked_up(self) -> int:
        return sum(self.counts.values())

    @property
    def served_from_cache(self) -> int:
        return sum(self.counts.get(s, 0) for s in SERVED_FROM_CACHE)

    @property
    def hit_ratio(self) -> float:
        """Share of the cacheable locations' requests answered from the cache (0 when there were none)."""
        return self.served_from_cache / self.looked_up if self.looked_up else 0.0

    def describe(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items(), key=lambda kv: -kv[1]))
        return (
            f"nginx cache hit ratio {100 * self.hit_ratio:.1f}% ({self.served_from_cache} of {self.looked_up} "
            f"API and static requests served from the cache; {parts or 'none'}; {self.requests} requests in all)"
        )


def read_log(path: Path, start: int = 0) -> list[dict[str, Any]]:
    """The JSON access-log lines from byte offset start on."""
    with path.open("rb") as f:
        f.seek(start)
        return [json.loads(line) for line in f.read().splitlines() if line.strip()]


def cache_stats(entries: Sequence[dict[str, Any]]) -> CacheStats:
    counts = Counter(str(e["cache"]) for e in entries if e.get("cache"))
    return CacheStats(dict(counts), len(entries))


@dataclass(frozen=True)
class Stack:
    """A running nginx (base) and the workers behind it (reachable directly too)."""

    base: str
    workers: tuple[str, ...]
    state: Path
    nginx: subprocess.Popen[bytes]
    stops: tuple[Callable[[], object], ...] = ()  # one per worker, when the stack started them

    def stop_worker(self, i: int) -> None:
        """Stops worker i now (as a crash or a restart would); nginx keeps running."""
        self.stops[i]()

    @property
    def access_log(self) -> Path:
        return self.state / "access.log"

    def log_offset(self) -> int:
        """Where the access log ends now: read_log(stack.access_log, offset) then sees only later requests."""
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def cache_stats(self, since: int = 0) -> CacheStats:
        return cache_stats(read_log(self.access_log, since))


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    try:
        wait_for(url, proc, timeout)
    except RuntimeError:
        detail = log.read_text().strip() if log.exists() else ""
        raise RuntimeError(f"nginx did not start: {detail or 'no error log'}") from None


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGQUIT: nginx finishes the requests in flight and exits; SIGTERM, then SIGKILL if it will not."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGQUIT, 10.0), (signal.SIGTERM, 5.0)):
        proc.send_signal(sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
    proc.kill()
    proc.wait()


def _prepare_state(state: Path) -> str:
    """Creates the directories nginx writes; as root, hands them to nobody and returns the user line's value."""
    for d in TEMP_DIRS:
        (state / "tmp" / d).mkdir(parents=True, exist_ok=True)
    (state / "cache").mkdir(exist_ok=True)
    if os.geteuid() != 0:
        return ""  # nginx ignores `user` unless it starts as root: its workers run as us
    nobody = pwd.getpwnam("nobody")
    state.chmod(0o755)  # the workers traverse it; the master (root) writes pid and logs
    for path in [state / "cache", state / "tmp", *(state / "tmp" / d for d in TEMP_DIRS)]:
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    return f"nobody {grp.getgrgid(nobody.pw_gid).gr_name}"


@contextmanager
def running_nginx(
    servers: Sequence[str], state: Path, port: int | None = None, timeout: float = 15.0
) -> Iterator[Stack]:
    """nginx on a free loopback port in front of servers (base URLs or host:port), stopped on exit."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed: scripts/ensure-system.sh installs Debian's package")
    hostports = [s.removeprefix("http://").rstrip("/") for s in servers]
    port = port or free_port()
    user = _prepare_state(state)
    conf = state / "nginx.conf"
    conf.write_text(render(f"127.0.0.1:{port}", hostports, state, user))
    # -e: the error log before the configuration is read (the default under /var/log needs root).
    cmd = [binary, "-p", str(state), "-e", str(state / "error.log"), "-c", str(conf), "-g", "daemon off;"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(f"{base}/healthz", proc, timeout, state / "error.log")
        yield Stack(base, tuple(f"http://{h}" for h in hostports), state, proc)
    finally:
        _stop(proc)


@dataclass(frozen=True)
class Worker:
    base: str
    stop: Callable[[], object]  # may be called early; the stack's exit then has nothing left to stop


@contextmanager
def running_workers(count: int, logs: Path) -> Iterator[list[Worker]]:
    """count uvicorn processes on loopback ports, started side by side, output in logs/worker-<i>.log."""
    servers = [running_server(log=logs / f"worker-{i}.log") for i in range(1, count + 1)]
    with ExitStack() as stack, ThreadPoolExecutor(count) as pool:
        started = [pool.submit(s.__enter__) for s in servers]
        workers, failure = [], None
        for server, future in zip(servers, started, strict=True):
            try:
                workers.append(Worker(future.result(), partial(server.__exit__, None, None, None)))
                stack.push(server.__exit__)
            except RuntimeError as e:
                failure = e
        if failure is not None:
            raise RuntimeError(f"{failure}; see {logs}/worker-*.log") from failure
        yield workers


@contextmanager
def running_stack(workers: int = 2, state: Path | None = None) -> Iterator[Stack]:
    """workers uvicorn processes (each on its own loopback port) behind nginx; all stopped on exit.

    Without state, nginx's files and the workers' logs go to a temporary directory removed on exit."""
    with ExitStack() as stack:
        if state is None:
            state = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bptt-nginx-")))
        state.mkdir(parents=True, exist_ok=True)
        started = stack.enter_context(running_workers(workers, state))
        proxy = stack.enter_context(running_nginx([w.base for w in started], state))
        yield replace(proxy, stops=tuple(w.stop for w in started))
