"""One persistent kaleido (headless Chromium) server per process, behind a queue.

Why: starting a browser per chart costs ~2 s; one server renders a chart in 0.1–0.5 s. kaleido's sync server is a
singleton fed by one shared task queue and is not safe for concurrent callers, so every render goes through
``_QUEUE`` (a lock): concurrent export requests wait their turn (up to ``WAIT_SECONDS``) instead of crashing.
The server starts lazily on the first export (so each gunicorn worker owns its own, started after the fork) and
stops at exit. Maps read the UN topojson from ``assets/topojson/`` (file://), MathJax is off: nothing is fetched.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import plotly.io as pio

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
TOPOJSON_DIR = ROOT / "assets" / "topojson"
WAIT_SECONDS = 30.0  # a request waits this long for its turn before getting "busy, retry" (503)
FORMATS = ("png", "svg", "pdf")

_QUEUE = threading.Lock()  # one render at a time per process (kaleido's server has one task queue)
_START = threading.Lock()
_owner_pid: int | None = None


class ExportBusy(RuntimeError):
    """Too many exports are queued; the caller should retry in a moment."""


class RendererUnavailable(RuntimeError):
    """No Chromium for kaleido, or the map outlines are not installed."""


def topojson_url() -> str:
    """file:// URL of the local UN topojson directory (with the trailing slash plotly.js expects)."""
    return TOPOJSON_DIR.resolve().as_uri() + "/"


def _chromium() -> str | None:
    for candidate in (os.environ.get("BROWSER_PATH"), shutil.which("chromium"), "/usr/bin/chromium",
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def running() -> bool:
    return _owner_pid == os.getpid()


def start() -> None:
    """Start this process's kaleido server if it is not running (idempotent, thread-safe)."""
    global _owner_pid
    with _START:
        if _owner_pid == os.getpid():
            return
        import kaleido

        browser = _chromium()
        if browser is None:
            raise RendererUnavailable("no Chromium found for chart rendering (apt-get install -y chromium)")
        os.environ.setdefault("BROWSER_PATH", browser)
        if _owner_pid is not None:  # inherited from a parent process: its server thread does not exist here
            kaleido._global_server._initialized = False
        pio.defaults.topojson = topojson_url()
        pio.defaults.mathjax = None
        kaleido.start_sync_server(mathjax=False, timeout=60, silence_warnings=True)
        _owner_pid = os.getpid()
        atexit.register(stop)
        log.info("kaleido server started (pid %s, %s)", _owner_pid, browser)


def stop() -> None:
    """Shut this process's kaleido server down (at exit, or after a crash so the next render restarts it)."""
    global _owner_pid
    with _START:
        if _owner_pid != os.getpid():
            return
        import kaleido

        try:
            kaleido.stop_sync_server(silence_warnings=True)
        except Exception:  # a dead browser must not block shutdown
            log.warning("kaleido server did not stop cleanly", exc_info=True)
        _owner_pid = None


def _to_image(fig: Any, fmt: str, width: int, height: int, scale: float) -> bytes:
    import kaleido

    d = fig if isinstance(fig, dict) else fig.to_dict()
    return kaleido.calc_fig_sync(d, opts={"format": fmt, "width": width, "height": height, "scale": scale},
                                 topojson=topojson_url())


Job = tuple[Any, str, int, int, float]  # figure, format, width px, height px, scale


def _check(jobs: Sequence[Job]) -> None:
    for _, fmt, *_ in jobs:
        if fmt not in FORMATS:
            raise ValueError(f"unknown image format {fmt!r}")


def _acquire() -> None:
    if not _QUEUE.acquire(timeout=WAIT_SECONDS):
        raise ExportBusy(f"the export queue is busy (waited {WAIT_SECONDS:.0f} s); try again in a moment")


def _render_job(job: Job) -> bytes:
    """One job on this process's server (holding the queue); if the browser died, restart it once and retry."""
    start()
    try:
        return _to_image(*job)
    except (RendererUnavailable, ValueError):
        raise
    except Exception:
        log.warning("kaleido render failed; restarting the server once", exc_info=True)
        stop()
        start()
        return _to_image(*job)


def render_many(jobs: Sequence[Job]) -> list[bytes]:
    """Render jobs in one turn of the queue (a pack holds it once, other exports wait)."""
    _check(jobs)
    _acquire()
    try:
        return [_render_job(job) for job in jobs]
    finally:
        _QUEUE.release()


def render(fig: Any, fmt: str, width: int, height: int, scale: float = 1.0) -> bytes:
    """One figure as PNG/SVG/PDF bytes."""
    return render_many([(fig, fmt, width, height, scale)])[0]


class Batch:
    """Jobs rendered in order on a background thread, in one turn of the queue, while the caller works on.

    Why: a briefing pack's text layout (Python, one core) and its chart rendering (Chromium, the other core)
    overlap. The caller may lower how many images it needs (``get(n)``): jobs past ``n`` are then skipped.
    """

    def __init__(self, jobs: Sequence[Job]):
        _check(jobs)
        self.jobs = list(jobs)
        self.results: list[bytes | None] = [None] * len(self.jobs)
        self.needed = len(self.jobs)
        self.error: BaseException | None = None
        self._ready = [threading.Event() for _ in self.jobs]
        threading.Thread(target=self._run, name="export-batch", daemon=True).start()

    def _run(self) -> None:
        try:
            _acquire()
            try:
                for i, job in enumerate(self.jobs):
                    if i < self.needed:
                        self.results[i] = _render_job(job)
                    self._ready[i].set()
            finally:
                _QUEUE.release()
        except BaseException as exc:  # handed to the caller in get()
            self.error = exc
        finally:
            for event in self._ready:
                event.set()

    def get(self, n: int | None = None) -> list[bytes]:
        """The first ``n`` images (all by default), waiting for them; raises what rendering raised."""
        n = len(self.jobs) if n is None else min(n, len(self.jobs))
        self.needed = n
        for event in self._ready[:n]:
            event.wait()
        if self.error is not None:
            raise self.error
        out = self.results[:n]
        if any(x is None for x in out):
            raise RuntimeError("a chart image was skipped before it was asked for")
        return out  # type: ignore[return-value]

    def cancel(self) -> None:
        """Render nothing more (the caller failed); the queue is released after the current job."""
        self.needed = 0
