"""A Qt-free bridge between training and a GUI thread (no TensorFlow here).

    monitor = TrainingMonitor(listener=lambda event: signal.emit(event))
    worker thread:  model.train.train(dataset, run_dir, config, listener=monitor, stop=monitor)
    GUI thread:     monitor.request_stop()

Events are plain dicts (see `model.train.train` for the keys).  `request_stop()` may be
called from any thread; training checks it after every batch, ends the epoch there, validates,
saves the model and returns normally with ``stopped=True``.
"""

from __future__ import annotations

import threading


class TrainingMonitor:
    """Listener + stop flag.  Pass it as both `listener` and `stop` to `train`."""

    def __init__(self, listener=None):
        self.listener = listener
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._last = {}

    def __call__(self, event: dict) -> None:
        with self._lock:
            self._last[event.get("event")] = event
        if self.listener is not None:
            self.listener(event)

    def request_stop(self) -> None:
        """Thread-safe: training stops after the batch that is running now."""
        self._stop.set()

    def is_set(self) -> bool:
        return self._stop.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def last(self, kind: str) -> dict | None:
        """The most recent event of a kind ('batch', 'epoch', 'stage', 'done', 'error')."""
        with self._lock:
            return self._last.get(kind)
