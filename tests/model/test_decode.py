"""model.decode: clean segments from flickering probabilities (NumPy only)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.decode import PLAIN, Decoding, candidates, decode, decode_many, fit


def _runs(track):
    track = np.asarray(track)
    change = np.flatnonzero(track[1:] != track[:-1]) + 1
    starts, ends = np.r_[0, change], np.r_[change, len(track)]
    return list(zip(starts.tolist(), ends.tolist(), track[starts].tolist()))


def test_plain_decoding_is_thresholding():
    probs = np.array([[0.2, 0.6], [0.5, 0.49], [0.9, 0.1]], np.float32)
    out = decode(probs)
    assert out.dtype == np.float32 and out.shape == probs.shape
    assert out.tolist() == [[0, 1], [1, 0], [1, 0]]


def test_switch_cost_removes_a_sliver_but_keeps_a_real_change():
    p = np.full(40, 0.9)
    p[10:12] = 0.3  # a 2-frame dip: not worth two changes
    p[25:] = 0.1  # a real change: 15 frames of strong evidence
    out = decode(p[:, None], params=Decoding(switch_cost=5.0))[:, 0]
    assert out[:25].all() and not out[25:].any()


def test_changes_at_cuts_are_cheaper_than_inside_shots():
    p = np.full(30, 0.9)
    p[14:] = 0.2  # the evidence turns at 14, but the shot cuts at 15
    out = decode(p[:, None], cuts=[15], params=Decoding(switch_cost=20.0, cut_cost=0.0))[:, 0]
    assert out[:15].all() and not out[15:].any()


def test_shot_vote_decides_each_shot_as_a_whole():
    rng = np.random.default_rng(0)
    cuts = [7, 20, 26]
    truth = np.zeros(40, bool)
    truth[7:20] = True
    p = np.where(truth, 0.7, 0.3) + rng.normal(0, 0.25, 40)
    out = decode(np.clip(p, 0, 1)[:, None], cuts, Decoding(shot_vote=True))[:, 0]
    assert out.astype(bool).tolist() == truth.tolist()


def test_min_frames_drops_the_least_supported_short_run():
    # Runs: present 10, absent 2, present 10, absent 10, present 2 (weak), absent 5.
    p = np.array([0.9] * 10 + [0.2] * 2 + [0.9] * 10 + [0.1] * 10 + [0.6] * 2 + [0.1] * 5)
    out = decode(p[:, None], params=Decoding(min_frames=4))[:, 0]
    assert _runs(out) == [(0, 22, 1.0), (22, 39, 0.0)]
    # A minimum longer than the whole track leaves it one run, not empty.
    out = decode(p[:, None], params=Decoding(min_frames=100))[:, 0]
    assert len(_runs(out)) == 1


probability_tracks = st.lists(st.floats(0.0, 1.0), min_size=1, max_size=60)


@settings(max_examples=120, deadline=None)
@given(probability_tracks, st.integers(1, 8), st.sampled_from([0.0, 3.0]),
       st.lists(st.integers(1, 59), max_size=6))
def test_no_segment_shorter_than_the_minimum(track, min_frames, switch, cuts):
    p = np.asarray(track)[:, None]
    out = decode(p, cuts, Decoding(switch_cost=switch, min_frames=min_frames))[:, 0]
    runs = _runs(out)
    if len(runs) > 1:
        assert all(e - s >= min_frames for s, e, _ in runs), runs


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_with_shot_vote_labels_change_only_at_cuts(data):
    frames = data.draw(st.integers(2, 60))
    genres = data.draw(st.integers(1, 3))
    probs = np.asarray(data.draw(st.lists(st.floats(0, 1), min_size=frames * genres,
                                          max_size=frames * genres))).reshape(frames, genres)
    cuts = sorted(set(data.draw(st.lists(st.integers(1, frames - 1), max_size=5))))
    params = Decoding(shot_vote=True, cut_cost=data.draw(st.sampled_from([0.0, 2.0])),
                      min_frames=data.draw(st.integers(1, 10)))
    out = decode(probs, cuts, params)
    changes = set(np.flatnonzero((out[1:] != out[:-1]).any(axis=1)) + 1)
    assert changes <= set(cuts)


def test_parameters_round_trip_and_bad_ones_are_named():
    params = Decoding(threshold=0.35, switch_cost=5.0, cut_cost=2.0, shot_vote=True, min_frames=6)
    assert Decoding.from_dict(params.to_dict()) == params
    assert Decoding.from_dict({"threshold": 0.4, "from_the_future": 1}) == Decoding(threshold=0.4)
    with pytest.raises(ValueError, match="min_frames"):
        Decoding.from_dict({"min_frames": 0})
    with pytest.raises(ValueError, match="threshold"):
        Decoding.from_dict({"threshold": 1.5})
    with pytest.raises(ValueError, match="expected an object"):
        Decoding.from_dict([1, 2])


def test_fit_prefers_smoothing_when_it_removes_flicker():
    rng = np.random.default_rng(1)
    truths, probs, cuts = [], [], []
    for _ in range(2):
        truth = np.zeros((120, 2), np.float32)
        truth[:50, 0] = 1
        truth[50:, 1] = 1
        noisy = np.clip(0.25 + 0.5 * truth + rng.normal(0, 0.2, truth.shape), 0, 1)
        truths.append(truth)
        probs.append(noisy)
        cuts.append([50])
    params, report = fit(probs, truths, cuts, ["a", "b"], fps=24)
    assert not params.is_plain
    assert report["objective"] > report["objective_plain"]
    decoded = [decode(p, c, params) for p, c in zip(probs, cuts)]
    assert all(np.array_equal(d, t) for d, t in zip(decoded, truths))


def test_fit_keeps_plain_thresholding_on_clean_probabilities():
    truth = np.zeros((60, 1), np.float32)
    truth[20:40] = 1
    params, _ = fit([0.1 + 0.8 * truth], [truth], [[]], ["a"], fps=24)
    assert params == PLAIN


def test_the_grid_starts_with_plain_thresholding():
    assert next(iter(candidates(24))) == PLAIN
    assert all(p.min_frames >= 1 for p in candidates(24))


def _drop_short_runs_one_by_one(track, support, min_frames):
    """The rule as first written: each short run's evidence summed on its own."""
    track = np.asarray(track, bool).copy()
    while True:
        change = np.flatnonzero(track[1:] != track[:-1]) + 1
        starts, ends = np.r_[0, change], np.r_[change, len(track)]
        if len(starts) < 2:
            return track
        short = np.flatnonzero(ends - starts < min_frames)
        if not len(short):
            return track
        own = [float(np.sum(support[starts[k]:ends[k]], dtype=np.float64))
               * (1 if track[starts[k]] else -1) for k in short]
        k = short[int(np.argmin(own))]
        track[starts[k]:ends[k]] = ~track[starts[k]]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 30), st.integers(1, 300))
def test_dropping_short_runs_matches_the_rule_run_by_run(seed, min_frames, frames):
    """The running-sum version (it keeps the GUI responsive while a run is fitted) flips
    the same runs as summing each run's evidence on its own."""
    from model.decode import _drop_short_runs

    rng = np.random.default_rng(seed)
    track = rng.random(frames) < rng.uniform(0.2, 0.8)
    support = rng.standard_normal(frames).astype(np.float32)
    expected = _drop_short_runs_one_by_one(track, support, min_frames)
    assert np.array_equal(_drop_short_runs(track, support, min_frames), expected)


def _path_cost(margins, path, change_cost):
    """What the decoder minimises for one genre's present/absent `path`."""
    disagree = np.where(path, np.maximum(-margins, 0.0), np.maximum(margins, 0.0)).sum()
    changes = np.flatnonzero(path[1:] != path[:-1]) + 1
    return disagree + change_cost[changes].sum()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 9))
def test_the_decoded_path_is_the_cheapest_of_all_paths(seed, frames):
    """Exhaustively: no present/absent sequence explains the probabilities more cheaply."""
    import itertools

    from model.decode import _change_costs, _cut_mask, _margins

    rng = np.random.default_rng(seed)
    probs = rng.random((frames, 2))
    cuts = np.flatnonzero(rng.random(frames) < 0.3)
    params = Decoding(switch_cost=float(rng.choice([0.5, 2.0, 5.0])), cut_cost=float(rng.choice([0.0, 1.0])),
                      shot_vote=bool(rng.random() < 0.3))
    inside, at_cut = _change_costs(params)
    change_cost = np.where(_cut_mask(frames, cuts), at_cut, inside)
    margins = _margins(probs, params.threshold)
    out = decode(probs, cuts, params) > 0.5
    for g in range(2):
        best = min(_path_cost(margins[:, g], np.array(p, bool), change_cost)
                   for p in itertools.product((False, True), repeat=frames))
        assert _path_cost(margins[:, g], out[:, g], change_cost) == pytest.approx(best)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 120))
def test_decoding_every_candidate_at_once_equals_decoding_each(seed, frames):
    """`fit` decodes the whole grid in one pass (columns: genres x change costs); each
    setting must come out exactly as when decoded alone."""
    rng = np.random.default_rng(seed)
    probs = np.clip(rng.random((frames, 3)) * 0.6 + (rng.random((1, 3)) * 0.4), 0, 1)
    cuts = np.flatnonzero(rng.random(frames) < 0.1)
    grid = candidates(8.0) + [Decoding(threshold=0.3, switch_cost=2.0)]
    together = decode_many(probs, cuts, grid)
    assert len(together) == len(grid)
    for params, labels in zip(grid, together):
        assert np.array_equal(labels, decode(probs, cuts, params)), params


def test_decoding_many_of_an_empty_trailer_gives_empty_labels():
    out = decode_many(np.zeros((0, 6), np.float32), [], candidates(24.0)[:3])
    assert [o.shape for o in out] == [(0, 6)] * 3


def test_decoding_in_a_worker_thread_naps_so_the_gui_gets_the_gil(monkeypatch):
    """A worker decoding (training's fit) sleeps now and then: a GUI thread waiting for
    the GIL gets it within a nap, not after its work waited a switch interval per Qt call.
    The main thread (the command line) never naps."""
    import threading
    import types

    import model.gil as G

    naps, clock = [], iter(range(10**9))
    fake_time = types.SimpleNamespace(sleep=naps.append,
                                      perf_counter=lambda: next(clock) * 0.001)  # 1 ms a read
    monkeypatch.setattr(G, "time", fake_time)  # the courtesy's own clock only
    monkeypatch.setattr(G, "_next_nap", 0.0)
    probs = np.random.default_rng(0).random((200, 3))
    params = Decoding(switch_cost=2.0, min_frames=3)
    in_main = decode(probs, [50], params)
    assert naps == []
    out = []
    worker = threading.Thread(target=lambda: out.append(decode(probs, [50], params)))
    worker.start()
    worker.join()
    assert np.array_equal(out[0], in_main)  # the same labels, only paced
    assert len(naps) >= 50 and all(s > 0 for s in naps)
