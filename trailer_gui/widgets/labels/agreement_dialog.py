"""Labels ▸ Agreement…: Cohen's kappa of two annotators, per genre, pooled and per trailer.

A thin view of :func:`trailer_gui.core.agreement.agreement` (the numbers `trailer agreement`
prints). Opened with ``open()``/``show()``, never ``exec()``.
"""

from __future__ import annotations

from typing import Callable

from PySide6 import QtWidgets
from PySide6.QtCore import Qt

from ...core.agreement import agreement
from ...core.store import Project

UNDEFINED_TIP = ("Kappa is undefined here: neither annotator used this genre (or both used "
                 "it on every frame), so there is no agreement beyond chance to measure.")
COLUMNS = ("Genre", "Kappa", "Agreement", "Frames")


def format_kappa(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def format_agreement(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


class AgreementDialog(QtWidgets.QDialog):
    """Choose annotators A and B; the tree shows all trailers pooled, then each trailer."""

    def __init__(self, project: Project, annotators: list[str], a: str | None = None,
                 b: str | None = None, before: Callable[[], object] | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Agreement between annotators")
        self.setObjectName("agreementDialog")
        self.project = project
        self._before = before
        self.result: dict | None = None

        self.a = QtWidgets.QComboBox()
        self.a.setObjectName("agreementA")
        self.b = QtWidgets.QComboBox()
        self.b.setObjectName("agreementB")
        for combo in (self.a, self.b):
            combo.addItems(annotators)
        if a in annotators:
            self.a.setCurrentText(a)
        others = [n for n in annotators if n != self.a.currentText()]
        if b in annotators and b != self.a.currentText():
            self.b.setCurrentText(b)
        elif others:
            self.b.setCurrentText(others[0])
        self.a.currentTextChanged.connect(self.recompute)
        self.b.currentTextChanged.connect(self.recompute)

        pick = QtWidgets.QHBoxLayout()
        pick.addWidget(QtWidgets.QLabel("Annotator A"))
        pick.addWidget(self.a, 1)
        pick.addWidget(QtWidgets.QLabel("B"))
        pick.addWidget(self.b, 1)

        self.note = QtWidgets.QLabel("")
        self.note.setObjectName("agreementNote")
        self.note.setWordWrap(True)

        self.tree = QtWidgets.QTreeWidget()
        self.tree.setObjectName("agreementTable")
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QtWidgets.QHeaderView.Stretch)

        explain = QtWidgets.QLabel(
            "Cohen's kappa per genre over the frames of the trailers both annotated "
            "(1 = perfect, 0 = no better than chance); “—” where it is undefined.")
        explain.setWordWrap(True)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(pick)
        layout.addWidget(self.note)
        layout.addWidget(self.tree, 1)
        layout.addWidget(explain)
        layout.addWidget(buttons)
        self.resize(560, 520)
        self.recompute()

    # ---- computing -----------------------------------------------------------------------
    def pair(self) -> tuple[str, str]:
        return self.a.currentText(), self.b.currentText()

    def recompute(self, *_) -> dict | None:
        a, b = self.pair()
        self.tree.clear()
        if not a or not b:
            self.result = None
            self.note.setText("The project needs labels by two annotators.")
            return None
        if self._before is not None:
            self._before()  # save pending labels, so they count
        self.result = result = agreement(self.project, a, b)
        n = len(result["videos"])
        if a == b:
            self.note.setText(f"A and B are both {a}: choose two different annotators.")
        elif n == 0:
            self.note.setText(f"No trailer was annotated by both {a} and {b}.")
        else:
            self.note.setText(f"{n} trailer{'s' * (n != 1)} annotated by both {a} and {b}.")
        names = {str(v.id): v.name for v in self.project.videos()}
        pooled = self._add_group("All trailers (pooled)", result["genres"])
        pooled.setExpanded(True)
        for vid, per in result["videos"].items():
            self._add_group(f"Trailer {vid}: {names.get(vid, '')}", per)
        for col in range(1, len(COLUMNS)):
            self.tree.resizeColumnToContents(col)
        return result

    def _add_group(self, title: str, per: dict) -> QtWidgets.QTreeWidgetItem:
        top = QtWidgets.QTreeWidgetItem(self.tree, [title])
        top.setFirstColumnSpanned(True)
        for genre, m in per.items():
            row = QtWidgets.QTreeWidgetItem(
                top, [genre, format_kappa(m["kappa"]), format_agreement(m["agreement"]), str(m["frames"])])
            for col in (1, 2, 3):
                row.setTextAlignment(col, Qt.AlignRight | Qt.AlignVCenter)
            if m["kappa"] is None and m["frames"]:
                row.setToolTip(1, UNDEFINED_TIP)
        return top

    # ---- reading (tests, copy) -----------------------------------------------------------
    def table(self, group: int = 0) -> dict[str, tuple[str, str, str]]:
        """The rows of one group (0: pooled, then one per trailer) as shown: genre -> texts."""
        top = self.tree.topLevelItem(group)
        return {top.child(i).text(0): tuple(top.child(i).text(c) for c in (1, 2, 3))
                for i in range(top.childCount())}
