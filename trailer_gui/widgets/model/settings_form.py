"""The Model dock's Settings tab: the project's training settings (the same keys and values
as ``trailer config``), "Continue from the latest run", and whose labels are trained on."""

from __future__ import annotations

from PySide6 import QtWidgets
from PySide6.QtCore import Signal

from ...services.training import CONFIG_KEYS, PRECISIONS

SETTING_KEYS = tuple(CONFIG_KEYS)  # the service's settings, in its order: one home
PRECISION_CHOICES = PRECISIONS
SPIN_KEYS = ("epochs", "window", "batch", "stride")
SETTING_TIPS = {
    "epochs": "Epochs per training run (a continued run adds this many)",
    "window": "Frames per training sample",
    "batch": "Windows per training step",
    "lr": "Learning rate (Adam)",
    "augment": "Flip and colour-grade training windows: 0 = off, 1 = full strength",
    "mix": "Share of training windows shown together with another one and labelled with "
           "both windows' genres (0 = off)",
    "size": "Frame size of the exported dataset: 64 or ROWSxCOLS",
    "stride": "Export every Nth frame (predictions are mapped back to every frame)",
    "precision": "Compute precision of training and prediction: auto = float16 on GPUs, "
                 "float32 on CPUs (bfloat16 trains faster with AMX but learned worse). "
                 "Models are saved in float32 either way",
}
ERROR_STYLE = "border: 1px solid #f28b82"
QUIET_STYLE = "color: #9aa0a6"


class SettingsForm(QtWidgets.QWidget):
    """Emits ``sigSettingEdited(key, text)`` when the user (not ``set_config``) edits one;
    the controller stores it and marks a refused value with ``set_setting_error``."""

    sigSettingEdited = Signal(str, str)  # key, text

    def __init__(self, parent=None):
        super().__init__(parent)
        self._filling = False
        self.fields: dict[str, QtWidgets.QWidget] = {}
        form = QtWidgets.QGridLayout()
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(4)
        for n, key in enumerate(SETTING_KEYS):
            w = self._field(key)
            w.setObjectName(f"setting_{key}")
            w.setToolTip(SETTING_TIPS[key])
            label = QtWidgets.QLabel(key)
            label.setToolTip(SETTING_TIPS[key])
            form.addWidget(label, n // 2, (n % 2) * 2)
            form.addWidget(w, n // 2, (n % 2) * 2 + 1)
            self.fields[key] = w
        self.resume = QtWidgets.QCheckBox("Continue from the latest run")
        self.resume.setObjectName("resumeCheck")
        self.resume.setChecked(True)
        self.resume.setToolTip("Start from the latest run's model (when its genres and frame "
                               "size fit); otherwise a new model is trained")
        self.source_label = QtWidgets.QLabel("")
        self.source_label.setObjectName("labelSource")
        self.source_label.setStyleSheet(QUIET_STYLE)
        hint = QtWidgets.QLabel("Stored in the project: <code>trailer config PROJECT</code> shows "
                                "and sets the same values.")
        hint.setWordWrap(True)
        hint.setStyleSheet(QUIET_STYLE)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(form)
        layout.addWidget(self.resume)
        layout.addWidget(self.source_label)
        layout.addWidget(hint)
        layout.addStretch(1)

    def _field(self, key: str) -> QtWidgets.QWidget:
        if key in SPIN_KEYS:
            w = QtWidgets.QSpinBox()
            w.setRange(1, 100_000)
            w.setKeyboardTracking(False)
            w.valueChanged.connect(lambda v, k=key: self._edited(k, str(v)))
        elif key == "precision":
            w = QtWidgets.QComboBox()
            w.addItems(PRECISION_CHOICES)
            w.currentTextChanged.connect(lambda text, k=key: self._edited(k, text))
        else:
            w = QtWidgets.QLineEdit()
            w.editingFinished.connect(lambda k=key, w=w: self._edited(k, w.text().strip()))
        return w

    def set_config(self, config: dict) -> None:
        self._filling = True
        try:
            for key in SETTING_KEYS:
                w = self.fields[key]
                value = config.get(key)
                if isinstance(w, QtWidgets.QSpinBox):
                    w.setValue(int(value) if value is not None else 1)
                elif isinstance(w, QtWidgets.QComboBox):
                    w.setCurrentText(str(value or w.itemText(0)))
                else:
                    w.setText("" if value is None else f"{value:g}" if isinstance(value, float) else str(value))
                w.setStyleSheet("")
        finally:
            self._filling = False

    def set_setting_error(self, key: str, message: str | None) -> None:
        w = self.fields[key]
        w.setStyleSheet(ERROR_STYLE if message else "")
        w.setToolTip(message or SETTING_TIPS[key])

    def _edited(self, key: str, text: str) -> None:
        if not self._filling:
            self.sigSettingEdited.emit(key, text)

    def set_label_source(self, source: str) -> None:
        self.source_label.setText(f"Trains on the labels of: {source}" if source else "")

    def set_editable(self, editable: bool) -> None:
        """Settings are read when a job starts: they are locked while one runs."""
        for w in self.fields.values():
            w.setEnabled(editable)
        self.resume.setEnabled(editable)


__all__ = ["PRECISION_CHOICES", "SETTING_KEYS", "SettingsForm"]
