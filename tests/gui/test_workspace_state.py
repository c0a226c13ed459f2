"""The window's state announces itself: views and controllers follow project, trailer, frame,
annotator and shown run by listening (issue #11), nobody pushes changes into them by hand."""

from __future__ import annotations

from PySide6.QtCore import Qt

from .conftest import wait_shown
from .test_main_window import key


class Heard:
    def __init__(self, state):
        self.events: list[tuple[str, object]] = []
        state.sigProjectChanged.connect(lambda p: self.events.append(("project", p and p.folder.name)))
        state.sigVideoChanged.connect(lambda v: self.events.append(("video", v and v.id)))
        # what a listener may rely on when a trailer is announced: its project and editor
        state.sigVideoChanged.connect(lambda v: self.ready.append(
            v is None or (state.project is not None and state.editor is not None
                          and state.editor.frames == v.frames)))
        self.ready: list[bool] = []
        state.sigFrameChanged.connect(lambda f: self.events.append(("frame", f)))
        state.sigAnnotatorChanged.connect(lambda a: self.events.append(("annotator", a)))
        state.sigRunChanged.connect(lambda r: self.events.append(("run", r)))

    def of(self, kind):
        return [v for k, v in self.events if k == kind]


def test_opening_switching_and_closing_are_announced_in_order(make_window, demo_project, qtbot):
    window = make_window()
    heard = Heard(window.state)
    assert window.files.open_project_path(demo_project)
    wait_shown(qtbot, window, 0)
    assert heard.of("project") == ["demo"]
    first, other = window.video_list.ids()[:2]
    assert heard.of("video") == [first]  # the remembered (here: first) trailer, after the project
    assert heard.ready == [True]
    assert window.state.editor is window.editor and window.state.video.id == first

    heard.events.clear()
    assert window.files.select_video(other, 5)
    wait_shown(qtbot, window, 5)
    assert heard.of("video") == [None, other]  # the old trailer let go first, then the new one
    assert heard.of("frame")[0] == 5  # the frame asked for, at once
    assert heard.ready == [True, True, True]
    assert window.timeline.frame() == 5 and window.state.frame == 5

    key(qtbot, window, Qt.Key_Right)  # the player moves: state, timeline and chips follow
    wait_shown(qtbot, window, 6)
    assert window.state.frame == 6 == window.timeline.frame()
    assert window.genre_bar._frame == 6

    heard.events.clear()
    assert window.files.switch_annotator("bea")
    assert heard.of("annotator") == ["bea"]
    assert heard.of("video") == [None, other]  # the same trailer, with bea's labels
    assert window.annotator_button.text() == "Annotator: bea"

    heard.events.clear()
    window.files.close_project()
    assert heard.of("video") == [None] and heard.of("project") == [None]
    assert window.state.project is None and window.state.editor is None
    assert window.pages.currentWidget() is window.start_page
    assert [a.text() for a in window.actions.genre_menu.actions()][0] == "No project open"


def test_the_shown_run_is_state(make_window, demo_project):
    window = make_window(demo_project)
    heard = Heard(window.state)
    window.model_ctl.shown_run = "run-7"
    assert window.state.run == "run-7" and heard.of("run") == ["run-7"]
    window.model_ctl.shown_run = "run-7"  # no change, no news
    assert heard.of("run") == ["run-7"]


def test_each_controller_binds_its_own_actions(make_window, demo_project, qtbot):
    """No action is looked up on the window by name: the owner binds it, once, and a name
    missing from the table or bound twice is found when the window is built."""
    import pytest

    window = make_window(demo_project)
    window.actions.check_bound()  # all of them
    with pytest.raises(KeyError, match="no action named 'paint_everything'"):
        window.actions.bind({"paint_everything": lambda: None})
    with pytest.raises(ValueError, match="'undo' is bound twice"):
        window.actions.bind({"undo": lambda: None})
    for name in ("retrain", "toggle_play", "undo", "snap_to_shots", "locate_video"):
        assert not hasattr(window, name), name  # no forwarding methods left on the window
    window.actions.toggle_play.trigger()  # the menu item reaches the player's controller
    qtbot.waitUntil(lambda: window.player.is_playing(), timeout=20000)
    assert window.actions.toggle_play.text() == "&Pause"
    window.actions.toggle_play.trigger()
    qtbot.waitUntil(lambda: not window.player.is_playing(), timeout=20000)
    assert window.actions.toggle_play.text() == "&Play"
