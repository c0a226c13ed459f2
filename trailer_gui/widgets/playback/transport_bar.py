"""The player's transport bar: first/previous/play/next/last, the speed and the position.

It only shows the player's state and passes clicks on as signals; the player decides. Its
controls never take the focus: keyboard shortcuts belong to the main window.
"""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

from .frame_view import format_timecode

SPEEDS = (0.25, 0.5, 1.0, 1.5, 2.0, 4.0)  # the speed box's choices (any speed in between plays)


class TransportBar(QtWidgets.QWidget):
    sigToStart = Signal()
    sigStep = Signal(int)  # -1 or +1
    sigTogglePlay = Signal()
    sigToEnd = Signal()
    sigSpeedPicked = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        style = self.style()
        SP = QtWidgets.QStyle.StandardPixmap
        self._icon_play = style.standardIcon(SP.SP_MediaPlay)
        self._icon_pause = style.standardIcon(SP.SP_MediaPause)

        def button(name: str, pixmap, tip: str, slot) -> QtWidgets.QToolButton:
            b = QtWidgets.QToolButton(self)
            b.setObjectName(f"player_{name}")
            b.setIcon(style.standardIcon(pixmap) if pixmap is not None else QtGui.QIcon())
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(slot)
            return b

        self.buttons = {
            "start": button("start", SP.SP_MediaSkipBackward, "First frame", self.sigToStart.emit),
            "back": button("back", SP.SP_MediaSeekBackward, "Previous frame",
                           lambda: self.sigStep.emit(-1)),
            "play": button("play", None, "Play", self.sigTogglePlay.emit),
            "forward": button("forward", SP.SP_MediaSeekForward, "Next frame",
                              lambda: self.sigStep.emit(1)),
            "end": button("end", SP.SP_MediaSkipForward, "Last frame", self.sigToEnd.emit),
        }
        self.buttons["play"].setIcon(self._icon_play)

        self.speed_combo = QtWidgets.QComboBox(self)
        self.speed_combo.setObjectName("player_speed")
        self.speed_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed_combo.setToolTip("Playback speed")
        for s in SPEEDS:
            self.speed_combo.addItem(f"{s:g}x", s)
        self.speed_combo.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_combo.currentIndexChanged.connect(
            lambda i: self.sigSpeedPicked.emit(self.speed_combo.itemData(i)) if i >= 0 else None
        )

        self.position_label = QtWidgets.QLabel(self)
        self.position_label.setObjectName("player_position")
        font = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
        self.position_label.setFont(font)
        self.position_label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)

        bar = QtWidgets.QHBoxLayout(self)
        bar.setContentsMargins(4, 2, 4, 2)
        bar.setSpacing(2)
        for name in ("start", "back", "play", "forward", "end"):
            bar.addWidget(self.buttons[name])
        bar.addSpacing(8)
        bar.addWidget(self.speed_combo)
        bar.addStretch(1)
        bar.addWidget(self.position_label)

    def show_controls(self, enabled: bool, playing: bool) -> None:
        for b in self.buttons.values():
            b.setEnabled(enabled)
        self.buttons["play"].setIcon(self._icon_pause if playing else self._icon_play)
        self.buttons["play"].setToolTip("Pause" if playing else "Play")

    def show_speed(self, speed: float) -> None:
        """Select the choice nearest ``speed`` without announcing it (it came from the player)."""
        combo = self.speed_combo
        best = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - speed))
        if combo.currentIndex() != best:
            combo.blockSignals(True)
            combo.setCurrentIndex(best)
            combo.blockSignals(False)

    def show_position(self, frame: int | None, frames: int, fps: float, style: str) -> None:
        """``frame`` of ``frames`` and its timecode; ``None``: no video to show a position in."""
        if frame is None:
            self.position_label.setText("frame – / –")
            return
        tc = format_timecode(frame, fps, style)
        self.position_label.setText(f"frame {frame} / {frames}  ·  {tc}")
