"""model.metrics on hand-computed cases (no TensorFlow)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.metrics import average_precision, format_table, genre_metrics, per_genre_metrics


def test_precision_recall_f1_by_hand():
    # threshold 0.5 -> predicted [1, 1, 0, 0, 1]; truth [1, 0, 1, 0, 1]
    # TP=2 (frames 0, 4), FP=1 (frame 1), FN=1 (frame 2)
    m = genre_metrics([1, 0, 1, 0, 1], [0.9, 0.6, 0.4, 0.1, 0.5])
    assert m["precision"] == pytest.approx(2 / 3)
    assert m["recall"] == pytest.approx(2 / 3)
    assert m["f1"] == pytest.approx(2 / 3)
    assert (m["support"], m["predicted"]) == (3, 3)


def test_average_precision_by_hand():
    # Ranked: 0.9 (pos) P=1 R=.5 | 0.8 (neg) | 0.7 (pos) P=2/3 R=1 | 0.1 (neg)
    # AP = .5 * 1 + .5 * 2/3 = 5/6
    assert average_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx(5 / 6)
    # Perfect ranking -> 1; worst ranking of 1 pos among 4 -> 1/4.
    assert average_precision([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8]) == pytest.approx(1.0)
    assert average_precision([1, 0, 0, 0], [0.1, 0.9, 0.8, 0.7]) == pytest.approx(0.25)


def test_average_precision_ties_enter_together():
    # One threshold for both frames: P=1/2 at R=1.
    assert average_precision([1, 0], [0.5, 0.5]) == pytest.approx(0.5)
    # Ties among (pos, neg) first, then pos: P=1/2 at R=.5, then P=2/3 at R=1.
    assert average_precision([1, 0, 1], [0.9, 0.9, 0.3]) == pytest.approx(0.5 * 0.5 + 0.5 * 2 / 3)


def test_undefined_values_are_nan_and_macro_ignores_them():
    y = np.array([[1, 0], [0, 0], [1, 0]])
    p = np.array([[0.8, 0.1], [0.2, 0.2], [0.3, 0.4]])
    m = per_genre_metrics(y, p, ["a", "b"])
    # a: TP=1, FN=1, FP=0 -> precision 1, recall .5, f1 2/3, AP: ranks .8(pos) .3(pos) -> 1
    assert m["a"]["precision"] == 1.0
    assert m["a"]["recall"] == 0.5
    assert m["a"]["f1"] == pytest.approx(2 / 3)
    assert m["a"]["ap"] == pytest.approx(1.0)
    # b never occurs and is never predicted: everything undefined.
    assert all(math.isnan(m["b"][k]) for k in ("precision", "recall", "f1", "ap"))
    assert m["macro"]["f1"] == pytest.approx(2 / 3)
    assert list(m) == ["a", "b", "macro"]


def test_missed_genre_scores_zero_f1_not_nan():
    m = genre_metrics([1, 1, 0], [0.1, 0.2, 0.3])
    assert m["f1"] == 0.0 and m["recall"] == 0.0 and math.isnan(m["precision"])


def test_macro_is_mean_of_genres():
    y = np.array([[1, 1], [0, 1], [1, 0], [0, 0]])
    p = np.array([[0.9, 0.9], [0.1, 0.2], [0.8, 0.7], [0.6, 0.1]])
    m = per_genre_metrics(y, p, ["x", "y"])
    for k in ("precision", "recall", "f1", "ap"):
        assert m["macro"][k] == pytest.approx((m["x"][k] + m["y"][k]) / 2)


def test_bad_shapes_and_values_raise():
    with pytest.raises(ValueError):
        per_genre_metrics(np.zeros((3, 2)), np.zeros((3, 3)), ["a", "b"])
    with pytest.raises(ValueError):
        per_genre_metrics(np.full((3, 1), 0.5), np.zeros((3, 1)), ["a"])
    with pytest.raises(ValueError):
        per_genre_metrics(np.zeros((3, 1)), np.zeros((3, 1)), ["macro"])


def test_format_table_lists_every_genre():
    m = per_genre_metrics(np.eye(3), np.eye(3) * 0.9, ["a", "b", "c"])
    text = format_table(m)
    assert all(name in text for name in ("a", "b", "c", "macro"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.floats(0, 1)), min_size=1, max_size=40))
def test_ap_is_a_probability_and_perfect_ranking_gives_one(pairs):
    y = np.array([int(a) for a, _ in pairs])
    s = np.array([b for _, b in pairs])
    ap = average_precision(y, s)
    if y.sum() == 0:
        assert math.isnan(ap)
        return
    assert 0.0 < ap <= 1.0 + 1e-12
    assert average_precision(y, y + 0.0) == pytest.approx(1.0)
