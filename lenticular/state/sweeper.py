"""A daemon thread that runs a store's clean-up (retention, expiry) every few seconds."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class PeriodicSweeper:
    def __init__(self, name: str, sweep: Callable[[], object], interval: float) -> None:
        self.sweep = sweep  # the clean-up to run; exceptions are logged, not fatal
        self.interval = interval  # seconds between runs
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> PeriodicSweeper:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sweep()
            except Exception:  # keep sweeping; a closed database at shutdown ends the loop
                if self._stop.is_set():
                    return
                log.exception("%s failed", self._thread.name)
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
