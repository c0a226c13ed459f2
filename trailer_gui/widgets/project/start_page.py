"""What the window shows with no project open: New / Open / Demo and the recent projects;
and the busy page shown while long work (making the demo) runs."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

from ..prefs import reachable


class StartPage(QtWidgets.QWidget):
    sigNew = Signal()
    sigOpen = Signal()
    sigDemo = Signal()
    sigOpenPath = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        title = QtWidgets.QLabel("trailer-gui")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setBold(True)
        title.setFont(font)
        subtitle = QtWidgets.QLabel("Label movie trailers frame by frame with genres, "
                                    "then export a dataset for the ConvLSTM.")
        subtitle.setWordWrap(True)

        self.new_button = QtWidgets.QPushButton("New project…")
        self.open_button = QtWidgets.QPushButton("Open project…")
        self.demo_button = QtWidgets.QPushButton("Open the demo project")
        self.demo_button.setToolTip("Synthetic trailers with labels, made on first use")
        for b, sig in ((self.new_button, self.sigNew), (self.open_button, self.sigOpen),
                       (self.demo_button, self.sigDemo)):
            b.setMinimumHeight(36)
            b.clicked.connect(sig.emit)

        self.recent = QtWidgets.QListWidget()
        self.recent.setObjectName("recentProjects")
        self.recent.setSpacing(3)
        self.recent.setMaximumHeight(360)
        self.recent.itemActivated.connect(lambda item: self.sigOpenPath.emit(item.data(Qt.UserRole)))
        self.recent.itemClicked.connect(lambda item: self.sigOpenPath.emit(item.data(Qt.UserRole)))
        self.recent_label = QtWidgets.QLabel("Recent projects")

        buttons = QtWidgets.QVBoxLayout()
        for b in (self.new_button, self.open_button, self.demo_button):
            buttons.addWidget(b)
        buttons.addStretch(1)

        body = QtWidgets.QHBoxLayout()
        body.addLayout(buttons, 1)
        recent = QtWidgets.QVBoxLayout()
        recent.addWidget(self.recent_label)
        recent.addWidget(self.recent)
        recent.addStretch(1)
        body.addLayout(recent, 2)

        panel = QtWidgets.QWidget()
        panel.setMaximumWidth(760)
        inner = QtWidgets.QVBoxLayout(panel)
        inner.addWidget(title)
        inner.addWidget(subtitle)
        inner.addSpacing(16)
        inner.addLayout(body, 1)

        outer = QtWidgets.QHBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(panel, 4)
        outer.addStretch(1)

    def set_recent(self, folders: list[Path]) -> None:
        self.recent.clear()
        for folder in folders:
            item = QtWidgets.QListWidgetItem(f"{folder.name}\n{folder.parent}")
            item.setData(Qt.UserRole, str(folder))
            item.setToolTip(str(folder))
            if not reachable(folder):
                item.setForeground(QtGui.QBrush(Qt.gray))
            self.recent.addItem(item)
        self.recent.setVisible(bool(folders))
        self.recent_label.setVisible(bool(folders))


class BusyPage(QtWidgets.QWidget):
    """A progress bar with a line of text and a Cancel button."""

    sigCancel = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = QtWidgets.QLabel("")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        self.title.setFont(font)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setMinimumWidth(420)
        self.status = QtWidgets.QLabel("")
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.sigCancel.emit)

        box = QtWidgets.QVBoxLayout()
        box.addStretch(1)
        box.addWidget(self.title, 0, Qt.AlignHCenter)
        box.addWidget(self.progress, 0, Qt.AlignHCenter)
        box.addWidget(self.status, 0, Qt.AlignHCenter)
        box.addWidget(self.cancel_button, 0, Qt.AlignHCenter)
        box.addStretch(2)
        self.setLayout(box)

    def begin(self, title: str) -> None:
        self.title.setText(title)
        self.status.setText("")
        self.progress.setRange(0, 0)
        self.cancel_button.setEnabled(True)

    def update_progress(self, done: int, total: int, stage: str) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(min(done, max(1, total)))
        self.status.setText(stage)
