"""Genre keys: a short press toggles a frame; a held key paints every frame that passes.

Live coding as in BORIS: while the video plays, holding a genre key paints each frame the
playhead passes (gaps between shown frames are filled), and the whole hold is one undo step.
A short press on a paused video toggles the genre on the current frame; holding it and
stepping with the arrow keys paints (or erases, if the press turned the frame off) as you go.

``LiveCoder`` is the logic, without Qt; ``GenreKeyFilter`` turns the application's key events
into its calls. Everything that paints a passed frame goes through ``LiveCoder._paint_passed``,
so the reaction-lag preference (shift live painting back by N ms) lives in one place.

X11 auto-repeat: a held key arrives as release/press pairs. Qt marks them ``isAutoRepeat()``
only when the press is already queued when it reads the release; under load it often is not
(seen under Xvfb: pairs 2 ms apart, both unmarked). So a release is only *pending* for
``RELEASE_GRACE_MS``: painting stops at once (``LiveCoder.suspend``), and a press of the same
key within that time continues the hold (``resume``) instead of starting a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import QEvent, Qt

from ..core.editing import LabelEditor


RELEASE_GRACE_MS = 60


@dataclass
class _Held:
    genre: int
    value: bool  # paint on (True) or erase (False) while held
    last: int  # the last frame painted (before the lag shift)
    suspended: bool = False  # released, maybe (a release pending: see the module docstring)


class LiveCoder:
    """Held genre keys -> label edits, one gesture (one undo step) per hold."""

    # Gaps larger than this (a seek, a loop back) are not filled: only the new frame is painted.
    MAX_FILL_S = 2.0

    def __init__(self):
        self.editor: LabelEditor | None = None
        self.fps = 24.0
        self.lag_ms = 0  # issue #6: painting while playing lands this much earlier
        self._held: dict[int, _Held] = {}

    def set_editor(self, editor: LabelEditor | None, fps: float = 24.0) -> None:
        self.release_all()
        self.editor = editor
        self.fps = fps or 24.0

    @property
    def lag_frames(self) -> int:
        return int(round(self.lag_ms * self.fps / 1000.0))

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def held_genres(self) -> list[int]:
        return [h.genre for h in self._held.values()]

    # ---- key events ----------------------------------------------------------------------
    def press(self, genre: int, frame: int, playing: bool) -> None:
        """A genre key went down (not an auto-repeat)."""
        ed = self.editor
        if ed is None or genre in self._held:
            return
        ed.begin_gesture()
        if playing:
            value = True
            self._paint_passed(genre, frame, frame, value, live=True)
        else:
            value = not bool(ed.array[frame, genre]) if 0 <= frame < ed.frames else True
            ed.paint(genre, frame, frame + 1, value)
        self._held[genre] = _Held(genre, value, frame)

    def passed(self, frame: int, playing: bool) -> None:
        """The playhead moved to ``frame``: paint it, and the frames skipped since the last."""
        for h in self._held.values():
            if frame == h.last or h.suspended:
                continue
            gap = frame - h.last
            if 0 < gap <= self.MAX_FILL_S * self.fps:
                self._paint_passed(h.genre, h.last + 1, frame, h.value, live=playing)
            else:
                self._paint_passed(h.genre, frame, frame, h.value, live=playing)
            h.last = frame

    def suspend(self, genre: int, suspended: bool = True) -> None:
        """Stop (or resume) painting for a hold whose key may have been released."""
        if genre in self._held:
            self._held[genre].suspended = suspended

    def release(self, genre: int):
        """The key went up: the hold becomes one undo step (returned, or None if nothing changed)."""
        if self._held.pop(genre, None) is None or self.editor is None:
            return None
        return self.editor.end_gesture()

    def release_all(self) -> None:
        for genre in list(self._held):
            self.release(genre)

    # ---- the one place that paints passed frames -----------------------------------------
    def _paint_passed(self, genre: int, first: int, last: int, value: bool, live: bool) -> None:
        """Paint frames ``first..last`` (inclusive); during playback shifted back by the lag.

        Reaction lag (Preferences, issue #6; ELAN's "delayed" mode): with
        ``shift = lag_frames = round(lag_ms / 1000 * fps)``, a key pressed while the playhead
        shows frame ``f`` during playback starts painting at ``f - shift``; each frame ``g``
        passed while it is held paints ``g - shift`` (with the gap since the last one); so a
        hold released at frame ``r`` covers ``f - shift .. r - shift`` inclusive. Frames before
        0 are dropped (a hold ending before ``shift`` paints nothing). Not shifted: a press on
        a paused video (a toggle of the current frame) and frames passed while paused
        (stepping with the arrows): there the annotator sees the frame before deciding.
        """
        shift = self.lag_frames if live else 0
        lo, hi = max(0, first - shift), last - shift + 1
        if hi > lo:
            self.editor.paint(genre, lo, hi, value)


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
    """Application-level event filter: genre keys pressed and released within ``window``.

    Installed on the QApplication (so it sees the key whichever child has focus), it acts only
    when the key goes to ``window`` and the focus is not in a text field. ``on_press(genre)`` and
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
        if etype == QEvent.ApplicationDeactivate:
            self.flush()
            self._on_focus_lost()
            return False
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
