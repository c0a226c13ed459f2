"""core.prediction_maths: predictions against labels - disagreements and how to walk them,
the uncertain places (U), the trailer's note, and what accepting a range gives."""

import numpy as np

from trailer_gui.core import prediction_maths as P


def test_disagreement_and_navigation():
    probs = np.zeros((20, 2), np.float32)
    labels = np.zeros((20, 2), bool)
    probs[3:6, 0] = 0.9  # predicted, not labelled
    labels[10:12, 1] = True  # labelled, not predicted
    probs[15, 1] = 0.7
    mask = P.disagreement(probs, labels, 0.5)
    assert np.flatnonzero(mask.any(axis=1)).tolist() == [3, 4, 5, 10, 11, 15]
    assert P.next_disagreement(mask, 0) == 3
    assert P.next_disagreement(mask, 3) == 10  # a run counts once
    assert P.next_disagreement(mask, 4) == 10
    assert P.next_disagreement(mask, 15) is None
    assert P.previous_disagreement(mask, 15) == 10
    assert P.previous_disagreement(mask, 11) == 10  # inside a run: its start
    assert P.previous_disagreement(mask, 3) is None
    assert P.segment_starts(mask.any(axis=1)).tolist() == [3, 10, 15]


def test_uncertain_places_are_runs_ranked_by_how_unsure():
    """U walks from place to place: one stop per run of unsure frames, the most unsure first."""
    probs = np.full((30, 2), 0.95, np.float32)
    probs[3:7, 0] = [0.6, 0.55, 0.58, 0.7]  # a place, most unsure at frame 4 (0.05)
    probs[12, 1] = 0.49  # a single frame, the most unsure (0.01)
    probs[20:23, 1] = [0.4, 0.37, 0.45]  # a place, most unsure at frame 22 (0.05 -> ties by frame)
    probs[26, 0] = 0.75  # outside the margin: not a place
    places = P.uncertain_places(probs, 0.5)
    assert places == [(12, 1), (4, 0), (22, 1)]
    # nothing within the margin: the single most uncertain frame
    assert P.uncertain_places(np.where(probs < 0.9, 0.2, probs), 0.5) == [(3, 0)]
    assert P.uncertain_places(np.zeros((0, 2)), 0.5) == []


def test_trailer_note_says_how_far_to_trust_the_model():
    probs = np.full((10, 2), 0.1, np.float32)
    probs[:5, 0] = 0.9
    labels = np.zeros((10, 2), bool)
    labels[:4, 0] = True  # frame 4 disagrees
    assert P.trailer_note(probs, labels, 0.5) == "model agrees 90%"
    unlabelled = np.zeros((10, 2), bool)
    assert P.trailer_note(probs, unlabelled, 0.5) == "model is sure"
    probs[2, 1] = probs[7, 1] = probs[8, 1] = 0.45  # two unsure places
    assert P.trailer_note(probs, unlabelled, 0.5) == "2 places to check"


def test_most_uncertain_and_accepted_labels():
    probs = np.array([[0.1, 0.9], [0.45, 0.2], [0.8, 0.52], [0.0, 1.0]], np.float32)
    assert P.most_uncertain(probs, 0.5) == (2, 1)
    assert P.most_uncertain(probs, 0.4) == (1, 0)
    assert P.most_uncertain(np.zeros((0, 2)), 0.5) is None
    block = P.accepted_labels(probs, 0.5, 1, 10)
    assert block.tolist() == [[False, False], [True, True], [False, True]]


# ---- files ---------------------------------------------------------------------------------
