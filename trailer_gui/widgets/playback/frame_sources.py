"""Starting and letting go of the decoder threads (``workers.decoder.FrameSource``) a player reads.

A player holds one source for the video and, with a proxy, a second one; each is started with
its player's slots connected and released with the same slots disconnected (one table, so the
two cannot drift). A source whose thread does not end within the release's wait (still opening
a long file: the reader's first pass decodes the whole video) is kept referenced here, so that a
QThread is never destroyed while it runs; ``wait_lingering`` waits for them at shutdown.
"""

from __future__ import annotations

from typing import Callable

from PySide6 import QtCore

from trailer_gui.workers.decoder import FrameSource

_LINGERING: list[FrameSource] = []

# signal name on FrameSource -> the player's slot
Slots = dict[str, Callable]


def start_source(path, reader_factory, slots: Slots,
                 max_display_fps: float | None = None) -> FrameSource:
    """A running source for ``path`` read by ``reader_factory``, its signals on ``slots``."""
    source = FrameSource.start(path, reader_factory, acknowledge=True, connect=slots)
    if max_display_fps is not None:
        source.max_display_fps = max_display_fps
    return source


def release_source(source: FrameSource, slots: Slots, timeout_ms: int = 2000) -> None:
    """Disconnect ``slots`` and stop ``source``'s thread (or keep it lingering)."""
    for name, slot in slots.items():
        try:
            getattr(source, name).disconnect(slot)
        except (RuntimeError, TypeError):
            pass
    thread = source.thread_handle()
    if source.shutdown(timeout_ms=timeout_ms):
        source.deleteLater()
    elif thread is not None:
        _LINGERING.append(source)


def wait_lingering(timeout_ms: int) -> None:
    """Wait (all together at most ``timeout_ms``) for the threads that outlived their release."""
    deadline = QtCore.QDeadlineTimer(timeout_ms)
    for source in list(_LINGERING):
        thread = source.thread_handle()
        if thread is None or thread.wait(deadline):
            _LINGERING.remove(source)
