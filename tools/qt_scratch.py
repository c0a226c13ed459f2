"""Helpers for the scripts that drive the real app by hand (screenshots, GUI benchmarks).

``isolate(scratch)`` sends the app's preferences and data to a scratch folder, so a script
neither uses nor changes your window layout or recent projects; call it before the app
starts.  ``wait(seconds, until)`` runs the Qt event loop (a QEventLoop: worker threads get
the GIL, unlike a processEvents loop) until ``until()`` is true or the time is up.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def isolate(scratch: Path) -> None:
    from PySide6 import QtCore

    os.environ["XDG_CONFIG_HOME"] = str(scratch / "config")
    os.environ["XDG_DATA_HOME"] = str(scratch / "data")
    QtCore.QSettings.setDefaultFormat(QtCore.QSettings.IniFormat)
    QtCore.QSettings.setPath(QtCore.QSettings.IniFormat, QtCore.QSettings.UserScope,
                             str(scratch / "settings"))


def wait(seconds: float, until=None, interval_ms: int = 10) -> bool:
    """Run the event loop for up to `seconds` (all of them without `until`); returns
    whether `until()` holds at the end."""
    from PySide6 import QtCore

    if until is not None and until():
        return True
    loop = QtCore.QEventLoop()
    deadline = time.monotonic() + seconds
    timer = QtCore.QTimer(interval=interval_ms)
    timer.timeout.connect(
        lambda: (time.monotonic() > deadline or (until is not None and until())) and loop.quit())
    timer.start()
    loop.exec()
    timer.stop()
    return until is None or bool(until())
