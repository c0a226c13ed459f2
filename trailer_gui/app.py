"""``trailer-gui [PROJECT] [--demo]``: the annotation window.

Start-up stays light: no TensorFlow, no ``model`` package (a test checks ``sys.modules``).
``TRAILER_GUI_EXIT_AFTER_SHOW=1`` prints the time to the first shown window and quits (the
start-up benchmark uses it); ``TRAILER_GUI_T0`` (seconds since the epoch, set by the caller
just before starting the process) makes that time count from the process launch.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

_T_IMPORT = time.perf_counter()

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trailer-gui",
        description="Label movie trailers frame by frame with genres. With no PROJECT, reopens "
                    "the last project or shows New / Open / Demo.",
    )
    parser.add_argument("project", nargs="?", help="a project folder to open")
    parser.add_argument("--demo", action="store_true",
                        help="open the demo project (made on first use, in the user's data folder)")
    return parser


def app_icon():
    from PySide6 import QtCore, QtGui

    for name in ("icon.svg", "icon.png"):
        path = RESOURCES / name
        if path.is_file():
            icon = QtGui.QIcon(str(path))
            if not icon.pixmap(32).isNull():
                return icon
    # Installed without the resources folder: draw a plain one.
    pix = QtGui.QPixmap(64, 64)
    pix.fill(QtCore.Qt.transparent)
    p = QtGui.QPainter(pix)
    p.setRenderHint(QtGui.QPainter.Antialiasing)
    p.setBrush(QtGui.QColor("#1f2329"))
    p.setPen(QtCore.Qt.NoPen)
    p.drawRoundedRect(2, 2, 60, 60, 10, 10)
    for i, c in enumerate(("#E69F00", "#D55E00", "#7F3C8D", "#0072B2", "#CC79A7", "#009E73")):
        p.setBrush(QtGui.QColor(c))
        p.drawRoundedRect(10 + (i % 3) * 6, 12 + i * 7, 30 - (i % 2) * 8, 5, 2, 2)
    p.end()
    return QtGui.QIcon(pix)


# Qt Multimedia's FFmpeg backend prints, at info level, FFmpeg's whole stream dump ("Input #0,
# mov,mp4,... Stream #0:0 ...", ~15 lines) each time a trailer with sound is opened, and warns
# about optional libraries it did not find (PipeWire, VA-API).  Neither means anything to an
# annotator; real multimedia warnings still show.  QT_LOGGING_RULES, when set, wins.
QUIET_MULTIMEDIA_RULES = "qt.multimedia*.info=false\nqt.multimedia.symbolsresolver*=false"


def create_application(argv: list[str] | None = None):
    from PySide6 import QtCore, QtWidgets

    from .widgets.prefs import APPLICATION, ORGANISATION

    if not os.environ.get("QT_LOGGING_RULES"):
        QtCore.QLoggingCategory.setFilterRules(QUIET_MULTIMEDIA_RULES)

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(argv or [sys.argv[0]])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("trailer-gui")
    app.setDesktopFileName("trailer-gui")
    app.setWindowIcon(app_icon())
    return app


def _install_signal_handlers(app, window) -> None:
    """Ctrl+C / SIGTERM close the window properly (labels saved), not a hard kill."""
    from PySide6 import QtCore

    def close(*_):
        QtCore.QTimer.singleShot(0, window.close)

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(sig, close)
        except (ValueError, OSError):  # not the main thread, or not supported
            pass
    # Python runs signal handlers only between bytecodes: wake the interpreter now and then.
    timer = QtCore.QTimer(app)
    timer.start(300)
    timer.timeout.connect(lambda: None)


def start_project(prefs) -> str | None:
    """The project to reopen at start: the most recent one, if its folder is there."""
    from .widgets.prefs import reachable

    try:
        last = prefs.last_project()
    except Exception:  # a damaged settings file must not stop the app from starting
        return None
    return str(last) if last is not None and reachable(last) else None


def open_at_start(window, project) -> bool:
    """Open ``project`` in ``window``; whatever is wrong with it (a damaged store gets its own
    dialog, see widgets.project.recovery), the app starts and shows the start page with a message."""
    import traceback

    from .widgets.messages import show_error

    try:
        return window.files.open_project_path(project)
    except Exception as exc:  # never a crash at start-up, and never on every start
        details = traceback.format_exc()
        try:
            window.files.close_project()
        except Exception:
            window.pages.setCurrentWidget(window.start_page)
        show_error(window, "Cannot open project", f"{project}\n\n{exc}", details)
        return False


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    t_main = time.perf_counter()
    # TensorFlow (loaded later, in the training worker) logs INFO lines about CUDA and oneDNN
    # that mean nothing to an annotator; warnings and errors still show.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    app = create_application()

    from .widgets.main_window import MainWindow
    from .widgets.prefs import Prefs
    from .workers import tasks

    window = MainWindow()
    project = args.project or (None if args.demo else start_project(Prefs()))
    if project is not None:
        open_at_start(window, project)

    if os.environ.get("TRAILER_GUI_EXIT_AFTER_SHOW"):
        def report():
            now = time.perf_counter()
            t0 = os.environ.get("TRAILER_GUI_T0")
            since_launch = f"{time.time() - float(t0):.3f}" if t0 else "?"
            print(f"trailer-gui: first window shown: {since_launch} s after launch, "
                  f"{now - _T_IMPORT:.3f} s after app import, {now - t_main:.3f} s after main()"
                  f"; tensorflow loaded: {'tensorflow' in sys.modules}", flush=True)
            window.close()
            app.quit()

        window._after_first_show = report

    window.show()
    if args.demo:
        window.files.open_demo()
    _install_signal_handlers(app, window)
    code = app.exec()
    tasks.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main())
