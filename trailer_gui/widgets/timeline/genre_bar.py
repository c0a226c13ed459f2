"""A row of genre chips under the video: key, name, and whether the current frame has it.

A chip is filled with its genre's colour when the current frame carries the genre, outlined
when not, and drawn with a thick border while its key is held (live coding). Clicking a chip
toggles the genre on the current frame (``sigToggle``). It reads the editor, never holds labels.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

from ...core.editing import LabelEditor
from ...core.genres import Genre


class GenreBar(QtWidgets.QWidget):
    sigToggle = Signal(int)  # genre index

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.NoFocus)
        self.setSizePolicy(QtWidgets.QSizePolicy.Expanding, QtWidgets.QSizePolicy.Fixed)
        self.setMouseTracking(True)
        self._genres: list[Genre] = []
        self._editor: LabelEditor | None = None
        self._frame = 0
        self._held: set[int] = set()
        self._rects: list[QtCore.QRectF] = []

    def sizeHint(self):  # noqa: N802
        return QtCore.QSize(400, self.fontMetrics().height() + 14)

    def minimumSizeHint(self):  # noqa: N802
        return QtCore.QSize(100, self.fontMetrics().height() + 14)

    def set_editor(self, editor: LabelEditor | None, genres: list[Genre]) -> None:
        if self._editor is not None:
            self._editor.remove_listener(self._on_change)
        self._editor, self._genres = editor, list(genres)
        if editor is not None:
            editor.add_listener(self._on_change)
        self._held.clear()
        self.update()

    def set_frame(self, frame: int) -> None:
        if frame != self._frame:
            self._frame = frame
            self.update()

    def set_held(self, held: set[int]) -> None:
        if held != self._held:
            self._held = set(held)
            self.update()

    def _on_change(self, start: int, stop: int) -> None:
        if start <= self._frame < stop:
            self.update()

    def _states(self) -> list[bool]:
        ed = self._editor
        if ed is None or not 0 <= self._frame < ed.frames:
            return [False] * len(self._genres)
        return [bool(v) for v in ed.array[self._frame]]

    def paintEvent(self, _event):  # noqa: N802
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.Antialiasing)
        n = len(self._genres)
        self._rects = []
        if not n:
            return
        gap = 6
        h = self.height() - 6
        w = (self.width() - gap * (n - 1) - 4) / n
        fm = self.fontMetrics()
        text_default = self.palette().color(QtGui.QPalette.WindowText)
        for i, (g, on) in enumerate(zip(self._genres, self._states())):
            rect = QtCore.QRectF(2 + i * (w + gap), 3, w, h)
            self._rects.append(rect)
            color = QtGui.QColor(g.color)
            held = i in self._held
            pen = QtGui.QPen(color.lighter(130) if held else color, 3 if held else 1.5)
            p.setPen(pen)
            if on:
                p.setBrush(color)
            else:
                faint = QtGui.QColor(color)
                faint.setAlpha(35)
                p.setBrush(faint)
            p.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 5, 5)
            p.setPen(QtGui.QColor("white") if on else text_default)
            label = fm.elidedText(f"{g.key}  {g.name}", Qt.ElideRight, int(w) - 8)
            p.drawText(rect, Qt.AlignCenter, label)

    def mousePressEvent(self, event):  # noqa: N802
        for i, rect in enumerate(self._rects):
            if rect.contains(event.position()):
                self.sigToggle.emit(i)
                return
        super().mousePressEvent(event)

    def chip_center(self, genre: int) -> QtCore.QPoint:
        """For tests: where to click a chip."""
        return self._rects[genre].center().toPoint() if genre < len(self._rects) else QtCore.QPoint()
