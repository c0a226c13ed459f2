"""Genre keys: a short press toggles a frame; a held key paints every frame that passes.

Live coding as in BORIS: while the video plays, holding a genre key paints each frame the
playhead passes (gaps between shown frames are filled), and the whole hold is one undo step.
A short press on a paused video toggles the genre on the current frame; holding it and
stepping with the arrow keys paints (or erases, if the press turned the frame off) as you go.

``core.live_coding.LiveCoder`` is the logic, without Qt; ``GenreKeyFilter`` here turns the
application's key events into its calls.

X11 auto-repeat: a held key arrives as release/press pairs. Qt marks them ``isAutoRepeat()``
only when the press is already queued when it reads the release; under load it often is not
(seen under Xvfb: pairs 2 ms apart, both unmarked). So a release is only *pending* for
``RELEASE_GRACE_MS``: painting stops at once (``LiveCoder.suspend``), and a press of the same
key within that time continues the hold (``resume``) instead of starting a new one.
"""

from __future__ import annotations

from typing import Callable

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import QEvent, Qt

from ...core.live_coding import LiveCoder  # noqa: F401 (main_window imports it from here)


RELEASE_GRACE_MS = 60


def is_text_input(widget: QtWidgets.QWidget | None) -> bool:
    """True for widgets where a typed digit or space is text, not a command."""
    if widget is None:
        return False
    if isinstance(widget, (QtWidgets.QLineEdit, QtWidgets.QAbstractSpinBox, QtWidgets.QKeySequenceEdit)):
        return True
    if isinstance(widget, (QtWidgets.QTextEdit, QtWidgets.QPlainTextEdit)):
        return not widget.isReadOnly()
    if isinstance(widget, QtWidgets.QComboBox):
        return widget.isEditable()
    return False


class GenreKeyFilter(QtCore.QObject):
    """Event filter for genre keys pressed and released within ``window``.

    ``attach`` installs it on the window and on whichever of its widgets has the keyboard
    focus (a key event goes to the focus widget first), so it sees the key whichever child
    has focus. It is deliberately *not* an application-wide filter: that runs Python for
    every event of the application (paints, timers, ~500 a second), each needing the GIL,
    which a training worker holds for milliseconds at a time; while a run was being fitted
    the GUI froze for hundreds of ms waiting for it. It acts only when the key goes to
    ``window`` and the focus is not in a text field. ``on_press(genre)`` and
    ``on_release(genre)`` return True when they used the key; auto-repeats are swallowed.
    ``on_suspend(genre, suspended)`` is told when a release starts (and stops) being pending.
    """

    def __init__(self, window: QtWidgets.QWidget, on_press: Callable[[int], bool],
                 on_release: Callable[[int], bool], on_suspend: Callable[[int, bool], None],
                 on_focus_lost: Callable[[], None]):
        super().__init__(window)
        self._window = window
        self._on_press = on_press
        self._on_release = on_release
        self._on_suspend = on_suspend
        self._on_focus_lost = on_focus_lost
        self._keys: dict[int, int] = {}  # Qt key -> genre index
        self._pending: dict[int, QtCore.QTimer] = {}  # genre -> timer that ends the hold
        self._focus: QtWidgets.QWidget | None = None  # the focus widget being watched
        self._app: QtWidgets.QApplication | None = None  # set while attached

    def attach(self, app: QtWidgets.QApplication) -> None:
        """Start watching the window, its focus widget (following the focus) and the
        application's state (a deactivated application ends every hold)."""
        if self._app is not None:
            return
        self._app = app
        self._window.installEventFilter(self)
        app.focusChanged.connect(self._follow_focus)
        app.applicationStateChanged.connect(self._on_application_state)
        self._follow_focus(None, app.focusWidget())

    def detach(self) -> None:
        """Stop watching (the window closes); harmless when not attached."""
        app, self._app = self._app, None
        if app is None:
            return
        app.focusChanged.disconnect(self._follow_focus)
        app.applicationStateChanged.disconnect(self._on_application_state)
        self._follow_focus(None, None)
        self._window.removeEventFilter(self)

    def watched(self) -> list[QtWidgets.QWidget]:
        """The widgets whose events this filter sees (the window, and its focus widget)."""
        return [self._window] + ([self._focus] if self._focus is not None else [])

    def _follow_focus(self, _old, now) -> None:
        if self._focus is not None:
            try:
                self._focus.removeEventFilter(self)
            except RuntimeError:  # the widget is already deleted, and its filters with it
                pass
        self._focus = None
        if isinstance(now, QtWidgets.QWidget) and now is not self._window and now.window() is self._window:
            now.installEventFilter(self)
            self._focus = now

    def _on_application_state(self, state) -> None:
        if state != Qt.ApplicationActive:
            self.flush()
            self._on_focus_lost()

    def set_keys(self, keys: list[str]) -> None:
        """The genres' keys in project order ("1".."6" by default)."""
        self.flush()
        self._keys = {}
        for i, text in enumerate(keys):
            seq = QtGui.QKeySequence(text)
            if seq.count():
                self._keys[int(seq[0].key())] = i

    def genre_for(self, event: QtGui.QKeyEvent) -> int | None:
        mods = event.modifiers() & ~Qt.KeypadModifier
        if mods != Qt.NoModifier:
            return None
        return self._keys.get(int(event.key()))

    def has_pending(self) -> bool:
        return bool(self._pending)

    def flush(self) -> None:
        """End every pending release now."""
        for genre in list(self._pending):
            self._finish_release(genre)

    def _finish_release(self, genre: int) -> None:
        timer = self._pending.pop(genre, None)
        if timer is not None:
            timer.stop()
            timer.deleteLater()
            self._on_release(genre)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        etype = event.type()
        if etype not in (QEvent.KeyPress, QEvent.KeyRelease, QEvent.ShortcutOverride):
            return False
        if not isinstance(obj, QtWidgets.QWidget) or obj.window() is not self._window:
            return False
        genre = self.genre_for(event)
        if etype == QEvent.ShortcutOverride:  # comes before a shortcut (Ctrl+Z) fires
            if genre is None and self._pending:
                self.flush()
            return False
        if genre is None or is_text_input(QtWidgets.QApplication.focusWidget()):
            if etype == QEvent.KeyPress and self._pending:
                self.flush()  # another key (Ctrl+Z, Space): the genre key was really released
            return False
        if event.isAutoRepeat():
            return True  # swallowed: the hold is already running
        if etype == QEvent.KeyPress:
            if genre in self._pending:  # an unmarked auto-repeat: the key is still held
                self._pending.pop(genre).stop()
                self._on_suspend(genre, False)
                return True
            for other in [g for g in self._pending if g != genre]:
                self._finish_release(other)
            return bool(self._on_press(genre))
        if genre in self._pending:
            return True
        self._on_suspend(genre, True)
        timer = QtCore.QTimer(self)
        timer.setSingleShot(True)
        timer.timeout.connect(lambda g=genre: self._finish_release(g))
        timer.start(RELEASE_GRACE_MS)
        self._pending[genre] = timer
        return True
