"""The developer tools that make the README's screenshots drive the real window; they broke
silently once when the redesign moved an action to a controller, so one runs here."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_main_window_screenshot_tool_writes_a_picture_of_the_window(tmp_path):
    out = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "screenshot.py"), "--out", str(out),
         "--size", "1200x760", "--trailers", "2", "--seconds", "6"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 760)
