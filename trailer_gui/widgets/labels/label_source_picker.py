"""Whose labels an export uses: one annotator, or the union or majority of checked ones.

The widget of the export dialog's "Labels" row; :meth:`spec` is the label source spec of
``trailer_gui.core.label_sources`` (what ``ExportSettings.annotator`` takes).
"""

from __future__ import annotations

from PySide6 import QtWidgets
from PySide6.QtCore import Qt, Signal

from ...core.label_sources import LabelSource, LabelSourceError, parse_source

KIND_TEXT = {"annotator": "One annotator", "union": "Union of", "majority": "Majority of"}
KIND_TIP = {
    "annotator": "The labels of one annotator",
    "union": "A frame carries a genre when any checked annotator gave it",
    "majority": "A frame carries a genre when more than half of the checked annotators who "
                "labelled the trailer gave it (a tie is no)",
}


class LabelSourcePicker(QtWidgets.QWidget):
    sigChanged = Signal()

    def __init__(self, annotators: list[str], current: str, initial: str | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("labelSource")
        names = sorted(set(annotators) | ({current} if current else set()))
        self.kind = QtWidgets.QComboBox()
        self.kind.setObjectName("labelSourceKind")
        for kind, text in KIND_TEXT.items():
            self.kind.addItem(text, kind)
            self.kind.setItemData(self.kind.count() - 1, KIND_TIP[kind], Qt.ToolTipRole)
        self.single = QtWidgets.QComboBox()
        self.single.setObjectName("labelSourceAnnotator")
        self.single.addItems(names)
        if current:
            self.single.setCurrentText(current)
        self.several = QtWidgets.QListWidget()
        self.several.setObjectName("labelSourceAnnotators")
        self.several.setMaximumHeight(90)
        for name in names:
            item = QtWidgets.QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Unchecked)
            self.several.addItem(item)
        self.hint = QtWidgets.QLabel("Check two or more annotators.")
        self.hint.setObjectName("labelSourceHint")

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.kind)
        row.addWidget(self.single, 1)
        layout.addLayout(row)
        layout.addWidget(self.several)
        layout.addWidget(self.hint)

        try:
            source = parse_source(initial) if initial else None
        except LabelSourceError:
            source = None
        if source is not None and source.kind != "annotator":
            self.set_source(source)
        self.kind.currentIndexChanged.connect(self._changed)
        self.single.currentTextChanged.connect(self._changed)
        self.several.itemChanged.connect(self._changed)
        self._update()

    def set_source(self, source: LabelSource | str) -> None:
        source = parse_source(source)
        self.kind.setCurrentIndex(self.kind.findData(source.kind))
        if source.kind == "annotator":
            self.single.setCurrentText(source.names[0])
        else:
            for i in range(self.several.count()):
                item = self.several.item(i)
                item.setCheckState(Qt.Checked if item.text() in source.names else Qt.Unchecked)
        self._update()

    def checked(self) -> list[str]:
        return [self.several.item(i).text() for i in range(self.several.count())
                if self.several.item(i).checkState() == Qt.Checked]

    def source(self) -> LabelSource | None:
        kind = self.kind.currentData()
        if kind == "annotator":
            name = self.single.currentText()
            return LabelSource.single(name) if name else None
        names = self.checked()
        return LabelSource.combine(kind, names) if len(names) >= 2 else None

    def spec(self) -> str | None:
        source = self.source()
        return None if source is None else source.spec

    def is_valid(self) -> bool:
        return self.source() is not None

    def _changed(self, *_) -> None:
        self._update()
        self.sigChanged.emit()

    def _update(self) -> None:
        several = self.kind.currentData() != "annotator"
        self.single.setVisible(not several)
        self.several.setVisible(several)
        self.hint.setVisible(several and len(self.checked()) < 2)
