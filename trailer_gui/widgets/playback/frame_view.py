"""The picture of the player: one frame, letterboxed on a dark background, or a message; and
the timecode the transport bar shows under it."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

BACKGROUND = QtGui.QColor(16, 16, 16)
TEXT = QtGui.QColor(220, 220, 220)


def format_timecode(frame: int, fps: float, style: str = "frames") -> str:
    """``HH:MM:SS:FF`` (style ``"frames"``) or ``HH:MM:SS.mmm`` (style ``"ms"``) of frame
    ``frame`` at ``fps``. FF counts the frames within the second (wall-clock seconds, so at
    23.976 fps a second holds 23 or 24 frames)."""
    if fps <= 0:
        fps = 25.0
    frame = max(0, int(frame))
    if style == "ms":
        ms = int(round(frame / fps * 1000.0))
        s, ms = divmod(ms, 1000)
        h, s = divmod(s, 3600)
        m, s = divmod(s, 60)
        return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"
    whole = int(math.floor(frame / fps + 1e-9))
    ff = frame - int(math.ceil(whole * fps - 1e-6))
    if ff < 0:  # float edge: belongs to the previous second
        whole -= 1
        ff = frame - int(math.ceil(whole * fps - 1e-6))
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}:{ff:02d}"


class FrameView(QtWidgets.QWidget):
    """Draws one image at its aspect ratio, centred on a dark background, smoothly scaled;
    or a message (text over black)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._image: QtGui.QImage | None = None
        self._message = ""
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Expanding
        )
        self.setMinimumSize(160, 90)

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(640, 360)

    def image(self) -> QtGui.QImage | None:
        return self._image

    def message(self) -> str:
        return self._message

    def set_image(self, image: QtGui.QImage | None) -> None:
        self._image = image
        self.update()

    def set_message(self, text: str) -> None:
        self._message = text or ""
        self.update()

    def image_rect(self) -> QtCore.QRectF:
        """Where the image lands in the widget (letterboxed)."""
        if self._image is None or self._image.isNull():
            return QtCore.QRectF()
        iw, ih = self._image.width(), self._image.height()
        w, h = self.width(), self.height()
        scale = min(w / iw, h / ih)
        dw, dh = iw * scale, ih * scale
        return QtCore.QRectF((w - dw) / 2.0, (h - dh) / 2.0, dw, dh)

    def paintEvent(self, event) -> None:
        p = QtGui.QPainter(self)
        p.fillRect(self.rect(), BACKGROUND)
        if self._image is not None and not self._image.isNull() and not self._message:
            p.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)
            p.drawImage(self.image_rect(), self._image)
        if self._message:
            p.setPen(TEXT)
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            p.drawText(self.rect().adjusted(16, 16, -16, -16), int(flags), self._message)
        p.end()
