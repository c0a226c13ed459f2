"""Several annotators in the window: switch, paint, compare (ghost strips), agreement, export."""

from __future__ import annotations

import numpy as np
from PySide6 import QtGui, QtWidgets
from PySide6.QtCore import Qt

from trailer_gui.core.agreement import agreement
from trailer_gui.core.export import read_manifest
from trailer_gui.core.label_sources import resolve_labels
from trailer_gui.core.store import Project
from trailer_gui.widgets.labels.agreement_dialog import format_agreement, format_kappa
from trailer_gui.widgets.timeline.ghost_strip import ROWS_PER_LANE, STRIP_ROWS

from ..conftest import messages, wait_shown

GENRES = ["comedy", "action", "horror", "thriller", "musical", "other"]


def stored(folder, video_id, annotator):
    with Project.open(folder) as p:
        return p.load_labels(video_id, annotator)


def menu_action(menu: QtWidgets.QMenu, text: str) -> QtGui.QAction:
    menu.aboutToShow.emit()  # menus fill themselves when shown
    found = [a for a in menu.actions() if a.text().replace("&", "") == text]
    assert found, f"no {text!r} in {[a.text() for a in menu.actions()]}"
    return found[0]


def press(qtbot, window, key):
    target = QtWidgets.QApplication.focusWidget() or window
    qtbot.keyClick(target, key)
    qtbot.waitUntil(lambda: not window.key_filter.has_pending(), timeout=20000)


def new_annotator(qtbot, window, name):
    tools = window.annotator_tools
    menu_action(tools.switch_menu, "New annotator…").trigger()
    dialog = tools.new_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.setTextValue(name)
    dialog.accept()
    qtbot.waitUntil(lambda: window.state.annotator == name, timeout=20000)
    wait_shown(qtbot, window)


def test_switch_annotator_then_paint(make_window, demo_project, qtbot, fresh_settings):
    window = make_window(demo_project)
    truth = stored(demo_project, 0, "ground-truth")
    assert truth.any() and window.state.annotator == "ground-truth"
    # the status bar button carries the switcher
    assert window.annotator_button.menu() is window.annotator_tools.switch_menu
    window.annotator_tools.switch_menu.aboutToShow.emit()
    names = [a.text() for a in window.annotator_tools.switch_menu.actions() if a.isCheckable()]
    assert names == ["ground-truth"]
    window.player.seek(5)
    wait_shown(qtbot, window, 5)
    window.autosaver.delay_ms = 60_000  # only the switch may save
    press(qtbot, window, Qt.Key_3)  # ground-truth toggles horror on frame 5 ...
    truth[5, 2] = not truth[5, 2]

    new_annotator(qtbot, window, "alice")  # ... and the switch saves it first
    assert np.array_equal(stored(demo_project, 0, "ground-truth"), truth)
    assert window.annotator_button.text() == "Annotator: alice"
    assert window.state.video.id == 0 and window.current_frame() == 5  # same trailer and frame
    assert not window.editor.array.any() and not window.editor.can_undo  # alice's, a new history
    assert window.timeline.editor is window.editor
    press(qtbot, window, Qt.Key_2)
    assert window.editor.array[5, 1]
    window.autosaver.flush()
    alice = stored(demo_project, 0, "alice")
    assert alice[5, 1] and alice.sum() == 1  # the labels belong to alice ...
    assert np.array_equal(stored(demo_project, 0, "ground-truth"), truth)  # ... not ground-truth

    # back to ground-truth from the menu, which now lists both
    action = menu_action(window.annotator_tools.switch_menu, "ground-truth")
    assert action.isCheckable() and not action.isChecked()
    action.trigger()
    assert window.state.annotator == "ground-truth"
    assert np.array_equal(window.editor.array, truth)
    assert menu_action(window.annotator_tools.switch_menu, "ground-truth").isChecked()
    # the Preferences' default is unchanged, and accepting Preferences keeps the switch
    assert fresh_settings.annotator == ""
    window.annotator_tools.switch_to("alice")
    window.preferences()
    window.preferences_dialog.accept()
    assert window.state.annotator == "alice"


def test_a_bad_new_annotator_name_is_refused(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    assert not window.annotator_tools.new_annotator("union:a,b")
    [box] = messages(window)
    assert "union:" in box.text()
    box.close()
    assert not window.annotator_tools.new_annotator("   ")
    [box] = messages(window)
    box.close()
    assert window.state.annotator == "ground-truth"


def ghost_rows(window):
    """What the strips show: (lanes, columns) bool, one column per frame when zoomed in."""
    ghost = window.annotator_tools.ghost
    assert ghost.ds == 1
    image = ghost.item.image.reshape(6, ROWS_PER_LANE, -1, 4)  # (lanes, rows, columns, rgba)
    assert STRIP_ROWS / ROWS_PER_LANE == 0.2
    strip = image[:, ROWS_PER_LANE - STRIP_ROWS :]
    assert (strip == strip[:, :1]).all()  # the strip's rows are alike
    assert not image[:, : ROWS_PER_LANE - STRIP_ROWS - 1, :, 3].any()  # above it (and its edge): nothing
    return ghost.pooled, strip[:, 0]


def pixel(window, frame, y_view):
    tl = window.timeline
    point = tl._view_to_widget(frame + 0.5, y_view)
    return tl.grab().toImage().pixelColor(point)


def test_ghost_strip_shows_the_other_annotators_labels(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    truth = stored(demo_project, 0, "ground-truth")
    new_annotator(qtbot, window, "alice")
    tools = window.annotator_tools
    assert not tools.ghost.item.isVisible()
    compare = tools.compare_menu
    assert menu_action(compare, "Nobody").isChecked()
    assert "alice" not in [a.text() for a in compare.actions()]  # not oneself
    menu_action(compare, "ground-truth").trigger()
    assert tools.compare == "ground-truth" and tools.ghost.item.isVisible()
    pooled, strips = ghost_rows(window)
    assert np.array_equal(pooled, truth.T)
    # one image for all strips, spanning every lane: lane i's strip is y in [i + 0.8, i + 1)
    rect = tools.ghost.item.mapRectToParent(tools.ghost.item.boundingRect())
    assert (rect.top(), rect.bottom(), rect.width()) == (0, 6, 48)
    lane, frame = next((g, int(np.flatnonzero(truth[:, g])[0])) for g in range(6) if truth[:, g].any())
    assert (strips[lane, frame, 3] > 200) and (strips[lane, ~truth[:, lane], 3] < 200).all()
    # on screen: the strip has the genre's colour at the bottom of the (empty) lane, not above
    qtbot.waitUntil(lambda: window.timeline.frames_per_column == 1, timeout=20000)
    bottom, middle = pixel(window, frame, lane + 0.93), pixel(window, frame, lane + 0.4)
    colour = QtGui.QColor(window.state.genres[lane].color).lighter(135)
    assert abs(bottom.red() - colour.red()) + abs(bottom.green() - colour.green()) + abs(bottom.blue() - colour.blue()) < 40
    assert middle != bottom

    # the strips follow the trailer: video 1 has no ground-truth labels, so none are drawn
    assert window.files.select_video(1)
    wait_shown(qtbot, window)
    assert not tools.ghost.item.isVisible()
    assert window.files.select_video(0)
    wait_shown(qtbot, window)
    assert tools.ghost.item.isVisible() and np.array_equal(tools.ghost.pooled, truth.T)
    # zoomed out below a frame per pixel the strips pool like the lanes
    window.timeline.resize(60, window.timeline.height())
    qtbot.waitUntil(lambda: window.timeline.frames_per_column > 1, timeout=20000)
    assert tools.ghost.ds == window.timeline.frames_per_column
    window.timeline.resize(900, window.timeline.height())
    qtbot.waitUntil(lambda: tools.ghost.ds == 1, timeout=20000)
    menu_action(compare, "Nobody").trigger()
    assert tools.compare is None and not tools.ghost.item.isVisible()


def test_agreement_dialog_shows_cores_numbers(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    truth = stored(demo_project, 0, "ground-truth")
    new_annotator(qtbot, window, "alice")
    window.autosaver.delay_ms = 60_000
    # alice copies ground-truth's first half and leaves the rest; the dialog saves first
    half = truth.copy()
    half[24:] = False
    for g in range(6):
        for lo in np.flatnonzero(np.diff(np.r_[0, half[:, g].astype(int)]) == 1):
            hi = lo + np.argmin(np.r_[half[lo:, g], False])
            window.editor.paint(g, int(lo), int(hi))
    assert window.autosaver.modified
    window.annotator_tools.agreement_action.trigger()
    dialog = window.annotator_tools.agreement_dialog
    assert dialog is not None and dialog.isVisible()
    assert not window.autosaver.modified
    assert dialog.pair() == ("alice", "ground-truth")
    with Project.open(demo_project) as p:
        expected = agreement(p, "alice", "ground-truth")
    assert dialog.result == expected
    assert list(expected["videos"]) == ["0"]  # only trailer 0 has both
    for group, per in ((0, expected["genres"]), (1, expected["videos"]["0"])):
        shown = dialog.table(group)
        assert list(shown) == GENRES
        for genre, m in per.items():
            assert shown[genre] == (format_kappa(m["kappa"]), format_agreement(m["agreement"]), str(m["frames"]))
    assert dialog.tree.topLevelItem(1).text(0) == "Trailer 0: demo_trailer_00.mp4"
    assert "1 trailer annotated by both" in dialog.note.text()
    # a genre the demo's trailer 0 never shows: kappa undefined, 100 % agreement
    unused = next(g for g in GENRES if not truth[:, GENRES.index(g)].any())
    assert dialog.table(1)[unused] == ("—", "100.0 %", "48")
    # the same annotator on both sides is allowed, and says so
    dialog.b.setCurrentText("alice")
    assert "choose two different" in dialog.note.text()
    dialog.close()


def test_export_dialog_with_a_majority(make_window, demo_project, qtbot):
    with Project.open(demo_project) as p:
        truth = p.load_labels(0, "ground-truth")
        other = truth.copy()
        other[:10] = False
        p.save_labels(0, other, "bob")
        p.save_labels(0, truth, "carol")
    window = make_window(demo_project)
    window.actions.export_dataset.trigger()
    dialog = window.files.export_dialog
    source = dialog.source
    assert source.spec() == "ground-truth"  # the window's annotator by default
    source.kind.setCurrentIndex(source.kind.findData("majority"))
    assert not dialog.export_button.isEnabled() and source.hint.isVisible()
    for i in range(source.several.count()):
        if source.several.item(i).text() in ("bob", "carol"):
            source.several.item(i).setCheckState(Qt.Checked)
    assert source.spec() == "majority:bob,carol" and dialog.export_button.isEnabled()
    for i in (1, 2):
        dialog.trailers.item(i).setCheckState(Qt.Unchecked)
    with qtbot.waitSignal(dialog.start().sigDone, timeout=20_000):
        pass
    out = demo_project / "dataset"
    assert read_manifest(out)["annotator"] == "majority:bob,carol"
    with Project.open(demo_project) as p:
        expected = resolve_labels(p, 0, "majority:bob,carol")
    assert np.array_equal(expected, other)  # both needed: a 1-1 tie is no
    category = np.load(out / "category_0.npy")
    assert np.array_equal(category[:, 0, :, 0].T.astype(bool), expected)
    dialog.reject()
    qtbot.waitUntil(lambda: window.files.export_dialog is None, timeout=20000)
    # next time the dialog offers the majority again
    window.actions.export_dataset.trigger()
    assert window.files.export_dialog.source.spec() == "majority:bob,carol"
    window.files.export_dialog.reject()
