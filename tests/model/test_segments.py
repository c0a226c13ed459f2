"""model.segments: the field's Edit and F1@k on hand-computed cases, plus properties."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.segments import (NONE, SegmentTally, dominant, edit_score, f1_counts, levenshtein,
                            segment_metrics, segments)


def test_segments_are_runs_of_equal_labels_without_background():
    labels, starts, ends = segments([NONE, 2, 2, 0, 0, 0, NONE, 2])
    assert labels.tolist() == [2, 0, 2]
    assert starts.tolist() == [1, 3, 7]
    assert ends.tolist() == [3, 6, 8]  # the last segment ends at len (PR #28), not len - 1


def test_last_segment_counts_its_final_frame():
    # Truth: present on frames 2-3 -> [2, 4).  Prediction: frame 3 only -> [3, 4).
    # IoU = 1 / 2: a hit at 50 %.  The reference before PR #28 ended both segments one frame
    # early ([2, 3) and [3, 3)) and scored a false positive and a false negative.
    assert f1_counts([0, 0, 0, 1], [0, 0, 1, 1], 0.5, background=0) == (1, 0, 0)
    assert f1_counts([0, 0, 0, 1], [0, 0, 1, 1], 0.51, background=0) == (0, 1, 1)


def test_edit_counts_a_sliver_as_two_extra_segments():
    truth = [1] * 10
    pred = [1, 1, 1, 0, 1, 1, 1, 1, 1, 1]  # a 1-frame gap: segments 1, 1 against 1
    assert edit_score(pred, truth, background=0) == pytest.approx(50.0)  # 1 - 1/2
    pred = [3, 3, 3, 4, 3, 3, 3, 3, 3, 3]
    truth = [3] * 10  # dominant sequence: 3 4 3 against 3 -> distance 2 of 3
    assert edit_score(pred, truth) == pytest.approx(100 / 3)


def test_edit_ignores_lengths_and_background():
    assert edit_score([0, 0, 0, 1, NONE], [0, 1, 1, 1, 1]) == pytest.approx(100.0)
    assert edit_score([0, 1], [1, 0]) == pytest.approx(0.0)  # two substitutions of 2
    assert math.isnan(edit_score([NONE] * 4, [NONE] * 4))
    assert edit_score([NONE] * 4, [1, 1, NONE, NONE]) == 0.0


def test_f1_greedy_matching_by_hand():
    # Truth: A [0, 6), B [6, 10).  Prediction: A [0, 2), A [3, 6), B [6, 10)
    truth = [0] * 6 + [1] * 4
    pred = [0, 0, NONE, 0, 0, 0, 1, 1, 1, 1]
    # First A: IoU 2/6 -> at 0.25 TP (takes truth A); second A: IoU 3/6 but A is taken -> FP.
    assert f1_counts(pred, truth, 0.25) == (2, 1, 0)
    # At 0.5 the first A misses (FP), the second A takes truth A (3/6 = 0.5): still 2 TP.
    assert f1_counts(pred, truth, 0.5) == (2, 1, 0)
    # A segment's label must match: a B over truth A is an FP and A stays missed.
    assert f1_counts([1] * 6 + [NONE] * 4, truth, 0.1) == (0, 1, 2)
    # No truth segment at all: every predicted segment is a false positive.
    assert f1_counts([0, 0, NONE, 1], [NONE] * 4, 0.1) == (0, 2, 0)


def test_tally_sums_counts_and_averages_edit_over_trailers():
    tally = SegmentTally(background=0)
    tally.add([1, 1, 0, 0], [1, 1, 0, 0])          # perfect: edit 100, 1 TP
    tally.add([1, 0, 1, 0, 0, 0], [1, 1, 1, 0, 0, 0])  # 2 pred vs 1 truth: edit 50; 1 TP 1 FP
    tally.add([0, 0, 0], [0, 0, 0])                # nothing in either: no edit, no counts
    result = tally.result()
    assert result["edit"] == pytest.approx(75.0)
    # Summed: TP 2, FP 1, FN 0 -> F1 = 4 / 5 (second trailer: IoU 1/3 for both segments)
    assert result["f1@25"] == pytest.approx(80.0)
    # At 50: trailer 2 has no hit: TP 1, FP 2, FN 1 -> 2 / 5
    assert result["f1@50"] == pytest.approx(40.0)


def test_undefined_without_any_segment():
    tally = SegmentTally(background=0)
    tally.add([0, 0], [0, 0])
    assert all(math.isnan(v) for v in tally.result().values())


def test_dominant_is_first_genre_carried_or_none():
    y = np.array([[0, 1, 1], [0, 0, 0], [1, 0, 1], [0, 0, 1]])
    assert dominant(y).tolist() == [1, NONE, 0, 2]


def test_segment_metrics_of_a_two_trailer_case():
    names = ["a", "b"]
    t1 = np.array([[1, 0]] * 4 + [[0, 1]] * 4)
    p1 = t1.copy()
    p1[2] = [1, 1]  # a 1-frame false "b" inside "a"
    t2 = np.array([[0, 0]] * 3 + [[1, 1]] * 3)
    p2 = t2.copy()
    m = segment_metrics([t1, t2], [p1, p2], names)
    assert m["genres"]["a"]["edit"] == pytest.approx(100.0)
    assert m["genres"]["a"]["f1@50"] == pytest.approx(100.0)
    # "b": trailer 1 truth [4, 8), prediction [2, 3) and [4, 8): edit 50; trailer 2 perfect.
    assert m["genres"]["b"]["edit"] == pytest.approx(75.0)
    assert m["genres"]["b"]["f1@10"] == pytest.approx(200 * 2 / (4 + 1 + 0))
    # Dominant: frame 2 is still "a" (first genre), so the dominant sequence is perfect.
    assert m["dominant"]["edit"] == pytest.approx(100.0)
    assert m["dominant_accuracy"] == pytest.approx(1.0)
    assert m["all_right"] == pytest.approx(13 / 14)
    assert m["macro"]["edit"] == pytest.approx(87.5)


def test_segment_metrics_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape|must both be"):
        segment_metrics([np.zeros((3, 2))], [np.zeros((4, 2))], ["a", "b"])


def _reference_levenshtein(a, b):
    d = np.zeros((len(a) + 1, len(b) + 1))
    d[:, 0] = np.arange(len(a) + 1)
    d[0, :] = np.arange(len(b) + 1)
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + (a[i - 1] != b[j - 1]))
    return int(d[-1, -1])


def test_levenshtein_by_hand():
    assert levenshtein(list("kitten"), list("sitting")) == 3
    assert levenshtein([], [1, 2]) == 2


sequences = st.lists(st.integers(min_value=-1, max_value=3), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(sequences, sequences)
def test_levenshtein_matches_the_textbook_recurrence(a, b):
    assert levenshtein(a, b) == _reference_levenshtein(a, b)


@settings(max_examples=150, deadline=None)
@given(sequences)
def test_perfect_prediction_scores_100_or_undefined(seq):
    tally = SegmentTally()
    tally.add(seq, seq)
    result = tally.result()
    has_segments = any(v != NONE for v in seq)
    for value in result.values():
        assert (value == pytest.approx(100.0)) if has_segments else math.isnan(value)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_edit_bounded_symmetric_and_f1_monotone_in_overlap(data):
    n = data.draw(st.integers(min_value=1, max_value=40))
    a = data.draw(st.lists(st.integers(-1, 2), min_size=n, max_size=n))
    b = data.draw(st.lists(st.integers(-1, 2), min_size=n, max_size=n))
    e = edit_score(a, b)
    assert math.isnan(e) or 0.0 <= e <= 100.0
    assert (math.isnan(e) and math.isnan(edit_score(b, a))) or e == pytest.approx(edit_score(b, a))
    tally = SegmentTally()
    tally.add(a, b)
    r = tally.result()
    if not math.isnan(r["f1@10"]):
        assert r["f1@10"] >= r["f1@25"] >= r["f1@50"] >= 0.0
