"""Messages to the user that never block the event loop.

A QMessageBox opened with ``open()`` (window-modal, not ``exec()``): the app goes on, playback
and workers keep running, and tests can read and close it without patching.
"""

from __future__ import annotations

from typing import Callable

from PySide6 import QtCore, QtWidgets

Icon = QtWidgets.QMessageBox.Icon

# report(text, ms=0): a line in the window's status bar for ``ms`` milliseconds (0: until the
# next one; "" clears it). What controllers get instead of the window (its statusBar().showMessage).
Report = Callable[..., None]


def show_message(parent: QtWidgets.QWidget, title: str, text: str, *,
                 details: str | None = None, icon: Icon = Icon.Warning) -> QtWidgets.QMessageBox:
    box = QtWidgets.QMessageBox(icon, title, text, QtWidgets.QMessageBox.Ok, parent)
    box.setObjectName("message")
    box.setTextFormat(QtCore.Qt.PlainText)
    if details:
        box.setDetailedText(details)
    box.setAttribute(QtCore.Qt.WA_DeleteOnClose)
    box.open()
    return box


def show_error(parent, title: str, text: str, details: str | None = None) -> QtWidgets.QMessageBox:
    return show_message(parent, title, text, details=details, icon=Icon.Warning)


def open_messages(parent: QtWidgets.QWidget) -> list[QtWidgets.QMessageBox]:
    """The message boxes now shown over ``parent`` (for tests and for closing on quit)."""
    return [b for b in parent.findChildren(QtWidgets.QMessageBox, "message") if b.isVisible()]
