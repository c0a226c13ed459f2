"""The project's trailers, each with its label progress: one small bar per genre.

A thin view: ``set_rows`` gives it what to show (computed from the store by the window),
``update_row`` refreshes one trailer after its labels were saved. Selecting a row emits
``sigVideoSelected(id)``.
"""

from __future__ import annotations

import dataclasses

from dataclasses import dataclass, field

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

from ...core.genres import Genre

ROW_ROLE = Qt.UserRole + 1


@dataclass
class TrailerRow:
    id: int
    name: str
    frames: int
    fps: float
    counts: list[int] = field(default_factory=list)  # labelled frames per genre, project order
    any_labelled: int = 0  # frames with at least one genre
    problem: str = ""  # e.g. "file not found": shown in red
    model_note: str = ""  # e.g. "model agrees 94%" (services.predictions.trailer_note)

    @classmethod
    def from_labels(cls, video, labels: np.ndarray, problem: str = "") -> "TrailerRow":
        return cls(video.id, video.name, video.frames, video.fps,
                   [int(n) for n in labels.sum(axis=0)], int(labels.any(axis=1).sum()), problem)

    @property
    def duration(self) -> str:
        seconds = self.frames / self.fps if self.fps else 0
        return f"{int(seconds // 60)}:{seconds % 60:04.1f}"

    def tooltip(self, genres: list[Genre]) -> str:
        lines = [f"{self.name}  ({self.frames} frames, {self.fps:g} fps)"]
        if self.problem:
            lines.append(self.problem)
        if self.model_note:
            lines.append(self.model_note)
        for g, n in zip(genres, self.counts):
            pct = 100 * n / self.frames if self.frames else 0
            lines.append(f"{g.name:<9} {n:>6} frames  {pct:5.1f}%")
        return "\n".join(lines)


class _Delegate(QtWidgets.QStyledItemDelegate):
    PAD = 6
    BAR_H = 6

    def __init__(self, owner: "VideoList"):
        super().__init__(owner)
        self._owner = owner

    def sizeHint(self, option, index):  # noqa: N802
        fm = option.fontMetrics
        return QtCore.QSize(200, fm.height() * 2 + self.BAR_H + self.PAD * 2)

    def paint(self, painter: QtGui.QPainter, option, index):
        row: TrailerRow = index.data(ROW_ROLE)
        if row is None:
            return super().paint(painter, option, index)
        opt = QtWidgets.QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QtWidgets.QApplication.style()
        style.drawControl(QtWidgets.QStyle.CE_ItemViewItem, opt, painter, opt.widget)

        painter.save()
        r = option.rect.adjusted(self.PAD, self.PAD // 2 + 1, -self.PAD, -self.PAD // 2)
        fm = option.fontMetrics
        selected = bool(option.state & QtWidgets.QStyle.State_Selected)
        text_color = option.palette.color(
            QtGui.QPalette.HighlightedText if selected else QtGui.QPalette.Text)
        dim = QtGui.QColor(text_color)
        dim.setAlpha(150)

        # line 1: name ............ duration
        line1 = QtCore.QRect(r.left(), r.top(), r.width(), fm.height())
        painter.setPen(dim)
        dur_w = fm.horizontalAdvance(row.duration) + 4
        painter.drawText(line1, Qt.AlignRight | Qt.AlignVCenter, row.duration)
        font = QtGui.QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QtGui.QColor("#d04040") if row.problem else text_color)
        name = QtGui.QFontMetrics(font).elidedText(row.name, Qt.ElideMiddle, line1.width() - dur_w)
        painter.drawText(line1.adjusted(0, 0, -dur_w, 0), Qt.AlignLeft | Qt.AlignVCenter, name)
        painter.setFont(option.font)

        # line 2: labelled percentage, or the problem
        line2 = QtCore.QRect(r.left(), line1.bottom() + 1, r.width(), fm.height())
        if row.problem:
            painter.setPen(QtGui.QColor("#d04040"))
            text = row.problem
        else:
            painter.setPen(dim)
            pct = 100 * row.any_labelled / row.frames if row.frames else 0
            share = f"{pct:.0f}% labelled" if row.any_labelled else "unlabelled"
            # With a model note the frame count gives way (it is in the tooltip).
            text = f"{share} · {row.model_note}" if row.model_note else f"{row.frames} frames · {share}"
        painter.drawText(line2, Qt.AlignLeft | Qt.AlignVCenter, fm.elidedText(text, Qt.ElideRight, line2.width()))

        # line 3: one bar per genre, filled by the share of frames it covers
        genres = self._owner.genres
        if genres:
            top = line2.bottom() + 3
            gap = 3
            n = len(genres)
            w = max(4, (r.width() - gap * (n - 1)) // n)
            track = QtGui.QColor(text_color)
            track.setAlpha(40)
            painter.setPen(Qt.NoPen)
            for i, g in enumerate(genres):
                x = r.left() + i * (w + gap)
                painter.setBrush(track)
                painter.drawRoundedRect(QtCore.QRectF(x, top, w, self.BAR_H), 2, 2)
                count = row.counts[i] if i < len(row.counts) else 0
                if count and row.frames:
                    fill = max(2.0, w * count / row.frames)
                    painter.setBrush(QtGui.QColor(g.color))
                    painter.drawRoundedRect(QtCore.QRectF(x, top, fill, self.BAR_H), 2, 2)
        painter.restore()


class VideoList(QtWidgets.QWidget):
    sigVideoSelected = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.genres: list[Genre] = []
        self._rows: dict[int, QtGui.QStandardItem] = {}

        self.filter = QtWidgets.QLineEdit()
        self.filter.setObjectName("videoFilter")
        self.filter.setPlaceholderText("Filter trailers")
        self.filter.setClearButtonEnabled(True)
        self.filter.setFocusPolicy(Qt.ClickFocus)  # typing goes to the window's keys until clicked
        self.filter.returnPressed.connect(lambda: self.view.setFocus())
        self.filter.textChanged.connect(self._apply_filter)

        self.model = QtGui.QStandardItemModel(self)
        self.view = QtWidgets.QListView()
        self.view.setObjectName("videoList")
        self.view.setModel(self.model)
        self.view.setItemDelegate(_Delegate(self))
        self.view.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.view.setUniformItemSizes(True)
        self.view.setSelectionMode(QtWidgets.QAbstractItemView.SingleSelection)
        self.view.selectionModel().currentChanged.connect(self._on_current)

        self.empty = QtWidgets.QLabel("No trailers yet.\nFile ▸ Add videos, or drop video files here.")
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.filter)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty, 1)
        self._update_empty()

    # ---- content -------------------------------------------------------------------------
    def set_rows(self, rows: list[TrailerRow], genres: list[Genre]) -> None:
        self.genres = list(genres)
        blocker = QtCore.QSignalBlocker(self.view.selectionModel())
        self.model.clear()
        self._rows = {}
        for row in rows:
            item = QtGui.QStandardItem(row.name)
            self._fill(item, row)
            self.model.appendRow(item)
            self._rows[row.id] = item
        del blocker
        self._apply_filter(self.filter.text())
        self._update_empty()

    def update_row(self, row: TrailerRow) -> None:
        item = self._rows.get(row.id)
        if item is not None:
            if not row.model_note:  # the labels changed; the model's note stays until redone
                row.model_note = item.data(ROW_ROLE).model_note
            self._fill(item, row)

    def set_model_notes(self, notes: dict[int, str]) -> None:
        """The model's one-line note per trailer (missing ids: none)."""
        for vid in self._rows:
            self.set_model_note(vid, notes.get(vid, ""))

    def set_model_note(self, video_id: int, note: str) -> None:
        item = self._rows.get(video_id)
        if item is not None and item.data(ROW_ROLE).model_note != note:
            self._fill(item, dataclasses.replace(item.data(ROW_ROLE), model_note=note))

    def row(self, video_id: int) -> TrailerRow | None:
        item = self._rows.get(video_id)
        return item.data(ROW_ROLE) if item is not None else None

    def ids(self) -> list[int]:
        return list(self._rows)

    def _fill(self, item: QtGui.QStandardItem, row: TrailerRow) -> None:
        item.setData(row, ROW_ROLE)
        item.setData(row.id, Qt.UserRole)
        item.setText(row.name)
        item.setToolTip(row.tooltip(self.genres))

    # ---- selection -----------------------------------------------------------------------
    def set_current(self, video_id: int | None) -> None:
        """Select a row without emitting ``sigVideoSelected``."""
        blocker = QtCore.QSignalBlocker(self.view.selectionModel())
        item = self._rows.get(video_id) if video_id is not None else None
        if item is None:
            self.view.clearSelection()
        else:
            self.view.setCurrentIndex(item.index())
            self.view.scrollTo(item.index())
        del blocker

    def current(self) -> int | None:
        idx = self.view.currentIndex()
        return idx.data(Qt.UserRole) if idx.isValid() else None

    def _on_current(self, current: QtCore.QModelIndex, _previous) -> None:
        if current.isValid():
            self.sigVideoSelected.emit(int(current.data(Qt.UserRole)))

    def _apply_filter(self, text: str) -> None:
        text = text.strip().lower()
        for r in range(self.model.rowCount()):
            name = self.model.item(r).text().lower()
            self.view.setRowHidden(r, bool(text) and text not in name)

    def _update_empty(self) -> None:
        has = bool(self._rows)
        self.view.setVisible(has)
        self.empty.setVisible(not has)
