"""Cohen's kappa between two annotators, checked against values worked out by hand."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailer_gui.cli import main
from trailer_gui.core.agreement import agreement, cohen_kappa, common_videos, percent_agreement

GENRES = ["comedy", "action", "horror", "thriller", "musical", "other"]


def vec(text):
    return np.array([c == "1" for c in text])


# ---- cohen_kappa on small cases -------------------------------------------------------------
def test_perfect_agreement_is_one():
    a = vec("110010")
    assert cohen_kappa(a, a) == 1.0
    assert percent_agreement(a, a) == 1.0


def test_chance_agreement_is_zero():
    # p_o = 2/4 = 0.5; each says yes half the time: p_e = .5*.5 + .5*.5 = 0.5 -> kappa 0
    assert cohen_kappa(vec("1100"), vec("1010")) == 0.0
    assert percent_agreement(vec("1100"), vec("1010")) == 0.5


def test_complete_disagreement_is_minus_one():
    # p_o = 0, p_e = 0.5 -> (0 - 0.5) / (1 - 0.5) = -1
    assert cohen_kappa(vec("1010"), vec("0101")) == -1.0


def test_a_genre_neither_used_has_no_kappa_but_full_agreement():
    none = vec("000000")
    assert cohen_kappa(none, none) is None  # p_e = 1: 0/0, undefined (not NaN)
    assert percent_agreement(none, none) == 1.0
    every = vec("1111")
    assert cohen_kappa(every, every) is None


def test_a_genre_only_one_annotator_used_is_zero():
    # p_o = 0.5; p_a = 0.5, p_b = 0 -> p_e = 0.5 -> kappa 0
    assert cohen_kappa(vec("1100"), vec("0000")) == 0.0


def test_textbook_two_by_two_table():
    # Wikipedia's "Cohen's kappa" worked example: 50 proposals, both yes 20, A yes / B no 5,
    # A no / B yes 10, both no 15. p_o = 35/50 = 0.7; A yes 25/50, B yes 30/50;
    # p_e = 0.5*0.6 + 0.5*0.4 = 0.5; kappa = (0.7 - 0.5) / 0.5 = 0.4
    a = np.array([1] * 20 + [1] * 5 + [0] * 10 + [0] * 15, bool)
    b = np.array([1] * 20 + [0] * 5 + [1] * 10 + [0] * 15, bool)
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert percent_agreement(a, b) == pytest.approx(0.7)


def test_another_hand_computed_value():
    # a = 1110000000, b = 1100000001: both yes 2, a only 1, b only 1, both no 6
    # p_o = 0.8; p_a = 0.3, p_b = 0.3; p_e = 0.09 + 0.49 = 0.58; kappa = 0.22 / 0.42 = 11/21
    assert cohen_kappa(vec("1110000000"), vec("1100000001")) == pytest.approx(11 / 21)


def test_no_frames_and_bad_lengths():
    assert cohen_kappa([], []) is None and percent_agreement([], []) is None
    with pytest.raises(ValueError):
        cohen_kappa(vec("10"), vec("101"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=60))
def test_kappa_properties(pairs):
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    k = cohen_kappa(a, b)
    assert cohen_kappa(b, a) == k  # symmetric
    assert cohen_kappa(a, a) in (1.0, None)
    perm = np.random.default_rng(len(pairs)).permutation(len(pairs))
    if k is None:  # undefined exactly when both are constant and equal
        assert (a == b).all() and len(set(a.tolist())) == 1
        assert cohen_kappa(~a, ~b) is None
        return
    assert -1.0 <= k <= 1.0 and math.isfinite(k)
    po = (a == b).mean()
    pe = a.mean() * b.mean() + (1 - a.mean()) * (1 - b.mean())
    assert k == pytest.approx((po - pe) / (1 - pe))
    assert cohen_kappa(~a, ~b) == pytest.approx(k)  # "yes" and "no" play the same role
    assert cohen_kappa(a[perm], b[perm]) == pytest.approx(k)  # frame order does not matter


# ---- a project ------------------------------------------------------------------------------
@pytest.fixture
def two_annotators(project_with_videos):
    """Video 0 (30 frames) and 1 (20 frames) labelled by ann and bob; bob alone on nothing
    else; carol labelled only video 1."""
    proj = project_with_videos
    ann0 = np.zeros((30, 6), bool)
    bob0 = np.zeros((30, 6), bool)
    ann0[0:10, 0] = True  # comedy: identical
    bob0[0:10, 0] = True
    ann0[0:15, 1] = True  # action: 15 vs 10, overlap 10
    bob0[5:15, 1] = True
    ann0[:, 5] = True  # other: ann on every frame, bob never
    ann1 = np.zeros((20, 6), bool)
    bob1 = np.zeros((20, 6), bool)
    ann1[0:10, 1] = True  # action: ann 0-9, bob 10-19 (complete disagreement)
    bob1[10:20, 1] = True
    proj.save_labels(0, ann0, "ann")
    proj.save_labels(0, bob0, "bob")
    proj.save_labels(1, ann1, "ann")
    proj.save_labels(1, bob1, "bob")
    proj.save_labels(1, ann1, "carol")
    return proj, (ann0, bob0, ann1, bob1)


def test_agreement_per_trailer_and_pooled(two_annotators):
    proj, (ann0, bob0, ann1, bob1) = two_annotators
    result = agreement(proj, "ann", "bob")
    assert set(result) == {"genres", "videos"}
    assert list(result["videos"]) == ["0", "1"]
    v0, v1 = result["videos"]["0"], result["videos"]["1"]
    assert list(v0) == GENRES
    assert v0["comedy"] == {"kappa": 1.0, "agreement": 1.0, "frames": 30}
    # action, video 0: both yes 10, ann only 5, bob only 0, both no 15
    # p_o = 25/30; p_a = 15/30, p_b = 10/30; p_e = 0.5*(1/3) + 0.5*(2/3) = 0.5; kappa = 2/3
    assert v0["action"]["kappa"] == pytest.approx(2 / 3)
    assert v0["action"]["agreement"] == pytest.approx(25 / 30)
    assert v0["horror"] == {"kappa": None, "agreement": 1.0, "frames": 30}  # nobody used it
    assert v0["other"]["kappa"] == 0.0 and v0["other"]["agreement"] == 0.0
    assert v1["action"]["kappa"] == -1.0
    assert v1["comedy"]["kappa"] is None and v1["comedy"]["frames"] == 20
    # pooled = kappa over the 50 concatenated frames, not a mean of kappas
    pooled = result["genres"]
    a = np.concatenate([ann0, ann1])
    b = np.concatenate([bob0, bob1])
    for col, genre in enumerate(GENRES):
        assert pooled[genre]["frames"] == 50
        assert pooled[genre]["kappa"] == (None if cohen_kappa(a[:, col], b[:, col]) is None
                                          else pytest.approx(cohen_kappa(a[:, col], b[:, col])))
    # comedy pooled: both yes 10, both no 40 -> 1.0 (used in video 0 only, still defined)
    assert pooled["comedy"]["kappa"] == 1.0
    # action pooled: yy 10, a only 5 + 10, b only 10, nn 15 -> p_o = 25/50 = 0.5;
    # p_a = 25/50, p_b = 20/50 -> p_e = 0.5*0.4 + 0.5*0.6 = 0.5 -> kappa 0
    assert pooled["action"]["kappa"] == pytest.approx(0.0)
    # valid JSON: no NaN anywhere, and the dict survives a round trip unchanged
    assert json.loads(json.dumps(result, allow_nan=False)) == result


def test_only_trailers_both_annotated_count(two_annotators):
    proj, (ann0, bob0, ann1, bob1) = two_annotators
    assert common_videos(proj, "ann", "carol") == [1]
    result = agreement(proj, "ann", "carol")
    assert list(result["videos"]) == ["1"]
    assert result["genres"]["action"] == {"kappa": 1.0, "agreement": 1.0, "frames": 20}
    nobody = agreement(proj, "ann", "dave")
    assert nobody["videos"] == {}
    assert nobody["genres"]["comedy"] == {"kappa": None, "agreement": None, "frames": 0}


def test_cli_agreement_json_and_text(two_annotators, capsys):
    proj, _ = two_annotators
    folder = str(proj.folder)
    assert main(["agreement", folder, "ann", "bob", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == agreement(proj, "ann", "bob")
    assert printed["videos"]["0"]["action"]["kappa"] == pytest.approx(2 / 3)

    assert main(["agreement", folder, "ann", "bob"]) == 0
    text = capsys.readouterr().out
    assert "pooled" in text and "trailer 0 (a.mp4)" in text and "trailer 1 (b.mp4)" in text
    assert "0.667" in text and "n/a" in text and "83.3%" in text

    assert main(["agreement", folder, "ann", "nobody"]) == 1
    err = capsys.readouterr().err
    assert "no labels by annotator 'nobody'" in err and "ann, bob, carol" in err
