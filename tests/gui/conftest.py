"""GUI tests: offscreen Qt, settings and data folders in a temporary place, a small demo.

The user's real settings are never touched: before any QSettings is made, INI format is the
default and its user-scope path points into a session temp folder; XDG folders (where
QStandardPaths puts the demo) point there too.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_TMP = Path(tempfile.mkdtemp(prefix="trailer-gui-tests-"))
for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
    os.environ[var] = str(_TMP / var.lower())

import pytest  # noqa: E402
from PySide6 import QtCore, QtWidgets  # noqa: E402

# The app's own logging rules (trailer_gui.app.create_application): no FFmpeg stream dumps
# in the test log when a trailer with sound is opened.
if not os.environ.get("QT_LOGGING_RULES"):
    from trailer_gui.app import QUIET_MULTIMEDIA_RULES  # noqa: E402

    QtCore.QLoggingCategory.setFilterRules(QUIET_MULTIMEDIA_RULES)

QtCore.QSettings.setDefaultFormat(QtCore.QSettings.IniFormat)
QtCore.QSettings.setPath(QtCore.QSettings.IniFormat, QtCore.QSettings.UserScope, str(_TMP / "settings"))
QtCore.QSettings.setPath(QtCore.QSettings.IniFormat, QtCore.QSettings.SystemScope, str(_TMP / "settings-system"))

DEMO_TRAILERS = 3
DEMO_SECONDS = 2.0


@pytest.fixture(scope="session")
def qapp_args():
    return ["trailer-gui-tests"]


@pytest.fixture(scope="session", autouse=True)
def _app_identity(qapp):
    from trailer_gui.app import app_icon
    from trailer_gui.widgets.prefs import APPLICATION, ORGANISATION

    qapp.setOrganizationName(ORGANISATION)
    qapp.setApplicationName(APPLICATION)
    qapp.setWindowIcon(app_icon())
    yield
    shutil.rmtree(_TMP, ignore_errors=True)


@pytest.fixture(autouse=True)
def fresh_settings():
    """Every test starts with empty preferences."""
    from trailer_gui.widgets.prefs import Prefs

    prefs = Prefs()
    prefs.qs.clear()
    prefs.sync()
    yield prefs
    prefs.qs.clear()
    prefs.sync()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A small demo project made once: 3 trailers of 2 s (the first one labelled)."""
    from trailer_gui.demo.project import make_demo

    folder = tmp_path_factory.mktemp("demo-template") / "demo"
    make_demo(folder, trailers=DEMO_TRAILERS, seconds=DEMO_SECONDS, seed=1).close()
    return folder


@pytest.fixture
def demo_project(demo_template, tmp_path) -> Path:
    """A private copy of the demo project, free to change."""
    folder = tmp_path / "demo"
    shutil.copytree(demo_template, folder)
    return folder


@pytest.fixture
def make_window(qtbot):
    """Build MainWindow(path), shown and active; closed (labels saved) at teardown."""
    from trailer_gui.widgets.main_window import MainWindow

    windows = []

    def make(path=None, wait_frame=True):
        window = MainWindow(path)
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is window, timeout=20000)
        if wait_frame and window.state.video is not None:
            wait_shown(qtbot, window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        if window.isVisible():
            window.close()
    for box in QtWidgets.QApplication.topLevelWidgets():
        if isinstance(box, QtWidgets.QMessageBox) and box.isVisible():
            box.close()


def wait_shown(qtbot, window, frame: int | None = None, timeout: int = 20000) -> None:
    """Wait until the player shows ``frame`` (default: the frame asked for last)."""
    player = window.player
    target = player.frame() if frame is None else frame
    qtbot.waitUntil(lambda: player.shown_frame() == target, timeout=timeout)


def messages(window) -> list[QtWidgets.QMessageBox]:
    from trailer_gui.widgets.messages import open_messages

    return open_messages(window)
