"""Label editing and undo, as an annotator uses them."""

import numpy as np
from hypothesis import given, settings, strategies as st

from trailer_gui.core.editing import LabelEditor

GENRES = ["comedy", "action", "horror", "thriller", "musical", "other"]
FRAMES = 50


def editor(frames=FRAMES):
    return LabelEditor(np.zeros((frames, len(GENRES)), bool), GENRES)


def test_paint_then_undo_names_the_step():
    ed = editor(600)
    ed.paint("horror", 120, 481)
    assert ed.array[120:481, 2].all() and ed.array[:, 2].sum() == 361
    assert ed.undo_name == "Paint horror 120-480"
    ed.undo()
    assert not ed.array.any()
    assert ed.redo_name == "Paint horror 120-480"
    ed.redo()
    assert ed.array[:, 2].sum() == 361


def test_a_drag_is_one_undo_step():
    ed = editor()
    ed.begin_gesture()
    for f in range(10, 20):  # the mouse moves frame by frame
        ed.paint("action", f, f + 1)
    ed.paint("action", 5, 10)  # and back left
    ed.end_gesture()
    assert ed.undo_name == "Paint action 5-19"
    ed.undo()
    assert not ed.array.any()
    assert not ed.can_undo


def test_erase_gesture_and_mixed_gesture_names():
    ed = editor()
    ed.paint("comedy", 0, 30)
    with ed.gesture():
        ed.paint("comedy", 10, 20, on=False)
    assert ed.undo_name == "Erase comedy 10-19"
    with ed.gesture():
        ed.paint("comedy", 0, 2, on=False)
        ed.paint("musical", 0, 2)
    assert ed.undo_name == "Edit labels 0-1"


def test_noop_paint_records_nothing():
    ed = editor()
    ed.paint("other", 0, 10)
    assert not ed.paint("other", 0, 10)
    ed.undo()
    assert not ed.can_undo


def test_new_edit_clears_redo():
    ed = editor()
    ed.paint("other", 0, 10)
    ed.undo()
    ed.paint("comedy", 0, 1)
    assert not ed.can_redo


def test_toggle_and_clear_range():
    ed = editor()
    ed.toggle("thriller", 7)
    assert ed.array[7, 3]
    ed.toggle("thriller", 7)
    assert not ed.array[7, 3]
    ed.paint("comedy", 0, 50)
    ed.paint("action", 0, 50)
    ed.clear(10, 20)
    assert not ed.array[10:20].any() and ed.array[:10].all(axis=0)[:2].all()
    ed.clear(30, 40, genres=["action"])
    assert ed.array[30:40, 0].all() and not ed.array[30:40, 1].any()


def test_listeners_hear_every_change_range():
    ed = editor()
    heard = []
    ed.add_listener(lambda a, b: heard.append((a, b)))
    ed.paint("comedy", 3, 8)
    ed.undo()
    assert heard == [(3, 8), (3, 8)]


def test_array_is_read_only():
    ed = editor()
    view = ed.array
    try:
        view[0, 0] = True
    except ValueError:
        pass
    assert not ed.array.any()


def test_paint_clips_to_the_video():
    ed = editor()
    ed.paint("comedy", -5, 3)
    ed.paint("comedy", 48, 99)
    assert ed.array[:, 0].sum() == 5


ops = st.lists(
    st.tuples(
        st.sampled_from(["paint", "erase", "toggle", "clear", "gesture"]),
        st.integers(0, len(GENRES) - 1),
        st.integers(-3, FRAMES + 3),
        st.integers(-3, FRAMES + 3),
    ),
    max_size=25,
)


def apply(ed, op):
    kind, g, a, b = op
    if kind == "paint":
        ed.paint(g, a, b, True)
    elif kind == "erase":
        ed.paint(g, a, b, False)
    elif kind == "toggle":
        ed.toggle(g, a)
    elif kind == "clear":
        ed.clear(a, b)
    else:
        with ed.gesture():
            ed.paint(g, a, b, True)
            ed.paint((g + 1) % len(GENRES), b, a + 7, True)


start_arrays = st.builds(
    lambda seed: np.random.default_rng(seed).random((FRAMES, len(GENRES))) < 0.3,
    st.integers(0, 10_000),
)


@settings(max_examples=150, deadline=None)
@given(start_arrays, ops)
def test_undo_of_any_sequence_restores_the_start(start, sequence):
    ed = LabelEditor(start, GENRES)
    for op in sequence:
        apply(ed, op)
    end = ed.array.copy()
    while ed.can_undo:
        ed.undo()
    assert np.array_equal(ed.array, start)
    while ed.can_redo:
        ed.redo()
    assert np.array_equal(ed.array, end)


@settings(max_examples=100, deadline=None)
@given(start_arrays, st.integers(0, 5), st.integers(0, FRAMES), st.integers(0, FRAMES), st.booleans())
def test_painting_is_idempotent(start, g, a, b, on):
    ed = LabelEditor(start, GENRES)
    ed.paint(g, a, b, on)
    once = ed.array.copy()
    steps = len(ed._undo)
    assert not ed.paint(g, a, b, on)
    assert np.array_equal(ed.array, once)
    assert len(ed._undo) == steps


def test_history_listeners_hear_each_change_of_undo_and_redo():
    """An Undo menu item subscribes and keeps its own text (glue's CommandStack.notify)."""
    ed = editor()
    seen: list[tuple[str | None, str | None]] = []
    listen = lambda: seen.append((ed.undo_name, ed.redo_name))  # noqa: E731
    ed.add_history_listener(listen)
    ed.paint("comedy", 0, 5)
    assert seen == [("Paint comedy 0-4", None)]
    with ed.gesture():  # a drag: one notice, when it ends
        for f in range(10, 15):
            ed.paint("action", f, f + 1)
        assert len(seen) == 1
    assert seen[-1] == ("Paint action 10-14", None)
    ed.undo()
    assert seen[-1] == ("Paint comedy 0-4", "Paint action 10-14")
    ed.redo()
    assert seen[-1] == ("Paint action 10-14", None)
    n = len(seen)
    assert not ed.paint("comedy", 0, 5)  # no change, no step, no notice
    ed.merge_stored(np.ones((FRAMES, len(GENRES)), bool))  # another program: not a step
    assert len(seen) == n
    ed.undo()
    ed.begin_gesture()
    ed.paint("other", 0, 1, on=False)  # Redo is gone at once, before the gesture ends
    assert seen[-1][1] is None
    ed.end_gesture()
    ed.clear_history()
    assert seen[-1] == (None, None) and not ed.can_undo and not ed.can_redo
    ed.remove_history_listener(listen)
    ed.paint("musical", 0, 1)
    assert seen[-1] == (None, None)
