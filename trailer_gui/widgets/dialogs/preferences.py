"""Preferences: the annotator's name, the reaction lag and keyboard shortcuts (QSettings)."""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets
from PySide6.QtCore import Qt

from ..prefs import Prefs


class PreferencesDialog(QtWidgets.QDialog):
    """Edits ``Prefs``; ``actions`` are the window's shortcut-carrying actions by name."""

    def __init__(self, prefs: Prefs, project_annotator: str | None,
                 actions: dict[str, QtGui.QAction], defaults: dict[str, list[str]], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.setObjectName("preferencesDialog")
        self.prefs = prefs
        self._actions = actions
        self._defaults = defaults

        self.annotator = QtWidgets.QLineEdit(prefs.annotator)
        self.annotator.setObjectName("annotatorEdit")
        default = project_annotator or "the project's annotator"
        self.annotator.setPlaceholderText(f"{default} (the project's default)")
        self.annotator.setToolTip("Your labels are kept under this name. Leave empty to use "
                                  "the project's annotator.")

        # issue #6: live painting lands this much earlier (ELAN's delayed mode)
        self.lag = QtWidgets.QSpinBox(minimum=0, maximum=2000, singleStep=50, value=prefs.reaction_lag_ms)
        self.lag.setObjectName("reactionLag")
        self.lag.setSuffix(" ms")
        self.lag.setToolTip("Your reaction time: what a genre key held during playback paints "
                            "is shifted back by this much. A press on a paused video is not shifted.")

        form = QtWidgets.QFormLayout()
        form.addRow("Annotator", self.annotator)
        form.addRow("Reaction lag", self.lag)

        self.keys = QtWidgets.QTableWidget(len(actions), 2)
        self.keys.setObjectName("shortcutTable")
        self.keys.setHorizontalHeaderLabels(["Action", "Shortcut"])
        self.keys.verticalHeader().hide()
        self.keys.horizontalHeader().setStretchLastSection(True)
        self.keys.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self._editors: dict[str, QtWidgets.QKeySequenceEdit] = {}
        for r, (name, action) in enumerate(actions.items()):
            label = QtWidgets.QTableWidgetItem(action.property("label") or action.text().replace("&", ""))
            label.setFlags(label.flags() & ~Qt.ItemIsEditable)
            self.keys.setItem(r, 0, label)
            edit = QtWidgets.QKeySequenceEdit(action.shortcut())
            edit.setClearButtonEnabled(True)
            self.keys.setCellWidget(r, 1, edit)
            self._editors[name] = edit
        self.keys.resizeColumnToContents(0)
        reset = QtWidgets.QPushButton("Default shortcuts")
        reset.setAutoDefault(False)
        reset.clicked.connect(self._reset_keys)

        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Ok | QtWidgets.QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QtWidgets.QLabel("Keyboard shortcuts (genre keys are the project's: 1-6 by default)"))
        layout.addWidget(self.keys, 1)
        layout.addWidget(reset, 0, Qt.AlignLeft)
        layout.addWidget(buttons)
        self.resize(480, 520)

    def _reset_keys(self) -> None:
        for name, edit in self._editors.items():
            keys = self._defaults.get(name) or []
            edit.setKeySequence(QtGui.QKeySequence(keys[0]) if keys else QtGui.QKeySequence())

    def accept(self) -> None:
        # the window switches annotator only when this default was changed here
        self.annotator_changed = self.annotator.text().strip() != self.prefs.annotator
        self.prefs.annotator = self.annotator.text()
        self.prefs.reaction_lag_ms = self.lag.value()
        for name, edit in self._editors.items():
            action = self._actions[name]
            new = edit.keySequence()
            if new == action.shortcut():
                continue
            default = self._defaults.get(name) or []
            text = new.toString(QtGui.QKeySequence.PortableText)
            if default and text == default[0]:
                self.prefs.set_shortcut(name, None)
                action.setShortcuts([QtGui.QKeySequence(k) for k in default])
            else:
                self.prefs.set_shortcut(name, text)
                action.setShortcut(new)
        super().accept()
