"""Model jobs (train, predict, retrain) in a QThread, with training events as a Qt signal.

``ModelJob(fn, *args, **kwargs)`` is a :class:`workers.tasks.Task` that also passes
``listener=`` to ``fn``: every event dict the work sends from its thread (``model.train``'s
``stage``/``batch``/``epoch``/``done``/``error`` and ``services.retrain``'s ``job``) arrives as
``sigEvent(dict)`` in the GUI thread, in order, before ``sigFinished``/``sigErrored``/
``sigCancelled``. ``cancel()`` (from the Task) is the one stop request: training reads it
through ``services.retrain.StopFlag`` after every batch, other stages at their next step.
"""

from __future__ import annotations

import functools

from PySide6 import QtCore
from PySide6.QtCore import Qt, Signal, Slot

from .tasks import Task


class _EventRelay(QtCore.QObject):
    """Lives in the GUI thread; emitted from the worker, queued to the GUI thread."""

    event = Signal(object)


def _quietly_loading_tensorflow(fn):
    """`fn`, after TensorFlow is loaded without its start-up notices (model.quiet): the
    terminal a user started trailer-gui from should not fill with CUDA "errors"."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        from model.quiet import import_tensorflow

        import_tensorflow()
        return fn(*args, **kwargs)

    return run


class ModelJob(Task):
    sigEvent = Signal(object)

    def __init__(self, fn, *args, name: str = "", **kwargs):
        relay = _EventRelay()
        super().__init__(_quietly_loading_tensorflow(fn), *args, name=name,
                         listener=relay.event.emit, **kwargs)
        self._event_relay = relay
        relay.event.connect(self._on_event, Qt.QueuedConnection)
        self.kind = name
        self.last_events: dict[str, dict] = {}

    @Slot(object)
    def _on_event(self, event) -> None:
        if isinstance(event, dict):
            self.last_events[str(event.get("event"))] = event
            self.sigEvent.emit(event)


__all__ = ["ModelJob"]
