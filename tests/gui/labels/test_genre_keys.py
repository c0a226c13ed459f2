"""Genre keys reach the painter from whichever widget has the focus, without the filter
seeing the rest of the application's events (each Python call needs the GIL, which a
training worker holds: an application-wide filter froze the GUI while a run was fitted)."""

from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Qt

from trailer_gui.widgets.labels.live_coding import GenreKeyFilter


class CountingFilter(GenreKeyFilter):
    def __init__(self, *args):
        super().__init__(*args)
        self.seen: list[QtCore.QObject] = []

    def eventFilter(self, obj, event):  # noqa: N802 (Qt name)
        self.seen.append(obj)
        return super().eventFilter(obj, event)


def _window(qtbot):
    window = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(window)
    first, second, other = QtWidgets.QPushButton("a"), QtWidgets.QPushButton("b"), QtWidgets.QLabel("c")
    for w in (first, second, other):
        layout.addWidget(w)
    qtbot.addWidget(window)
    presses, releases, lost = [], [], []
    keys = CountingFilter(window, lambda g: presses.append(g) or True,
                          lambda g: releases.append(g) or True, lambda g, s: None, lambda: lost.append(1))
    keys.set_keys(["1", "2", "3"])
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window, (first, second, other), keys, presses, releases, lost


def _focus(qtbot, widget):
    widget.setFocus()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.focusWidget() is widget, timeout=20000)


def test_the_key_filter_follows_the_focus_and_sees_nothing_else(qtbot):
    app = QtWidgets.QApplication.instance()
    window, (first, second, other), keys, presses, releases, _ = _window(qtbot)
    keys.attach(app)
    _focus(qtbot, first)
    assert keys.watched() == [window, first]
    qtbot.keyPress(first, Qt.Key_2)
    qtbot.keyRelease(first, Qt.Key_2)
    qtbot.waitUntil(lambda: not keys.has_pending(), timeout=20000)
    assert presses == [1] and releases == [1]

    keys.seen.clear()
    for _ in range(20):
        other.setText(other.text() + "!")
        other.repaint()  # paints of a widget without the focus never reach Python
    assert other not in keys.seen

    _focus(qtbot, second)
    assert keys.watched() == [window, second]
    qtbot.keyClick(second, Qt.Key_3)
    qtbot.waitUntil(lambda: not keys.has_pending(), timeout=20000)
    assert presses == [1, 2]
    keys.seen.clear()
    first.repaint()
    assert first not in keys.seen  # the old focus widget is no longer watched

    keys.detach()
    keys.detach()  # twice is harmless (a window closed twice)
    keys.seen.clear()
    qtbot.keyClick(second, Qt.Key_1)
    assert keys.seen == [] and presses == [1, 2]


def test_a_key_sent_to_the_window_itself_is_seen_without_a_focus_widget(qtbot):
    app = QtWidgets.QApplication.instance()
    window, _, keys, presses, _, _ = _window(qtbot)
    keys.attach(app)
    qtbot.keyClick(window, Qt.Key_1)
    qtbot.waitUntil(lambda: not keys.has_pending(), timeout=20000)
    assert presses == [0]
    keys.detach()


def test_a_deactivated_application_ends_every_hold(qtbot):
    app = QtWidgets.QApplication.instance()
    window, (first, *_), keys, presses, releases, lost = _window(qtbot)
    keys.attach(app)
    _focus(qtbot, first)
    qtbot.keyPress(first, Qt.Key_1)
    qtbot.keyRelease(first, Qt.Key_1)  # pending for the auto-repeat grace time
    assert keys.has_pending()
    app.applicationStateChanged.emit(Qt.ApplicationInactive)  # what Qt sends on Alt+Tab
    assert not keys.has_pending() and releases == [0] and lost == [1]
    keys.detach()
