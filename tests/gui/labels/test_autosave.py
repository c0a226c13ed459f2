"""Autosave, without a window: a second after the last change the labels are saved."""

from __future__ import annotations

from trailer_gui.core.editing import LabelEditor
from trailer_gui.widgets.labels.autosave import Autosaver


def test_autosave_saves_a_second_after_the_last_change(qtbot, demo_project):
    from trailer_gui.core.store import Project

    project = Project.open(demo_project)
    ed = LabelEditor(project.load_labels(0), project.genre_names())
    saver = Autosaver(delay_ms=200, max_wait_ms=600)
    modified = []
    saver.sigModifiedChanged.connect(modified.append)
    saver.attach(project, 0, project.annotator, ed)
    ed.paint(0, 0, 5)
    assert saver.modified and modified == [True]
    with qtbot.waitSignal(saver.sigSaved, timeout=20000):
        pass
    assert not saver.modified and project.load_labels(0)[:5, 0].all()
    # continuous painting still saves within max_wait
    with qtbot.waitSignal(saver.sigSaved, timeout=20000):
        for i in range(20):
            ed.paint(1, i, i + 1)
            qtbot.wait(60)
    assert project.load_labels(0)[:5, 1].all()
    saver.detach()
    assert project.load_labels(0)[:20, 1].all()
    project.close()
