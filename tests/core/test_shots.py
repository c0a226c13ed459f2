"""Shot boundaries: the detector on test videos with known cuts, snapping, storage, CLI.

Test videos are MPEG-4 files (lossy, like real ones) made from synthetic scenes whose cut
frames are known (``tests/core/shot_scenes.py``): demo-like trailers whose genre changes at
every cut, and sequences of scenes of ONE genre, where neighbours share a palette (the cuts
colour histograms miss) and action scenes bring shake, fast motion and white flashes.
Precision and recall count a found cut within one frame of a true one as right.
"""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailer_gui.cli import main
from trailer_gui.core import shots
from trailer_gui.core.errors import ProjectError
from trailer_gui.core.export import ExportSettings, export_dataset
from trailer_gui.core.genres import default_genres
from trailer_gui.core.shots import (
    DETECTOR,
    ShotDetector,
    detect_cuts,
    ensure_cuts,
    match_cuts,
    pack_cuts,
    precision_recall,
    shot_at,
    shots_from_cuts,
    snap_range,
    unpack_cuts,
)
from trailer_gui.core.store import DB_NAME, MIGRATIONS, SCHEMA_VERSION, Project
from trailer_gui.core.video_probe import probe
from trailer_gui.demo import synth
from trailer_gui.demo.synth import Scene

from .shot_scenes import frames_of, mixed_plan, similar_plan, write_plan

SIZE = (90, 160)


# ---- the detector on test videos ---------------------------------------------------------
@pytest.fixture(scope="module")
def test_videos(tmp_path_factory):
    """(kind, path, true cuts): 12 demo-like trailers of 16 s and 12 sequences of six
    scenes of one genre (two per genre), as MPEG-4 at 160x90."""
    folder = tmp_path_factory.mktemp("shot-videos")
    out = []
    for seed in range(12):
        plan = mixed_plan(seed, 16.0)
        out.append(("mixed", write_plan(folder / f"mixed{seed}.mp4", plan, SIZE), synth.cuts_for(plan)))
    for seed in range(2):
        for genre in range(synth.N_GENRES):
            plan = similar_plan(seed, genre=genre, scenes=6)
            path = write_plan(folder / f"similar{seed}_{genre}.mp4", plan, SIZE)
            out.append((f"similar-{synth.GENRES[genre]}", path, synth.cuts_for(plan)))
    return out


def _score(videos):
    tp = fp = fn = 0
    for _kind, path, truth in videos:
        a, b, c = match_cuts(detect_cuts(path), truth, tolerance=1)
        tp, fp, fn = tp + a, fp + b, fn + c
    return tp, fp, fn


def test_precision_and_recall_on_test_videos(test_videos):
    tp, fp, fn = _score(test_videos)
    precision, recall = precision_recall(tp, fp, fn)
    assert tp + fn > 100  # enough cuts to mean something
    assert precision >= 0.9 and recall >= 0.9, (precision, recall, tp, fp, fn)


def test_cuts_between_scenes_of_similar_colour(test_videos):
    """Same-genre neighbours: a colour histogram barely changes across most of these cuts,
    yet the detector finds them."""
    similar = [v for v in test_videos if v[0].startswith("similar")]
    hist_at_cuts, hist_inside = [], []
    for _kind, path, truth in similar:
        from trailer_gui.core.video_reader import VideoReader

        with VideoReader(path) as reader:
            hists = [shots._Features(shots.thumbnail(f), False).hist for f in reader.iter_frames()]
        d = [0.5 * float(np.abs(hists[i] - hists[i - 1]).sum()) for i in range(1, len(hists))]
        cuts = set(truth)
        hist_at_cuts += [d[c - 1] for c in truth]
        hist_inside += [d[i - 1] for i in range(1, len(hists)) if i not in cuts]
    # A histogram-only detector with a threshold that keeps 99 % of frames inside shots
    # quiet would find few of these cuts.
    level = float(np.quantile(hist_inside, 0.99))
    hist_recall = float(np.mean(np.array(hist_at_cuts) > level))
    precision, recall = precision_recall(*_score(similar))
    assert hist_recall < 0.5, hist_recall
    assert recall >= 0.8 and precision >= 0.9, (precision, recall, hist_recall)


def _single_scene(genres, seed, frames=144):
    rng = np.random.default_rng([seed, 7])
    look = synth._trailer_look(rng)
    params = synth._scene_params(rng, genres, look, 24.0, seed=seed * 31 + len(genres))
    return [Scene(0, frames, tuple(genres), params)]


def test_flashes_shake_and_beats_are_not_cuts():
    """One long scene each: action (fast streaks, whole-frame shake, single-frame white
    flashes), horror (flicker frames), musical (brightness pulses on the beat)."""
    false_cuts = 0
    scenes = 0
    for genres in ((synth.ACTION,), (synth.HORROR,), (synth.MUSICAL,)):
        for seed in range(4):
            det = ShotDetector()
            for frame in frames_of(_single_scene(genres, seed), SIZE):
                det.feed(frame)
            false_cuts += len(det.finish())
            scenes += 1
    assert false_cuts <= 1, false_cuts  # 12 scenes, 1728 frames, ~200 flashes and flickers


def test_a_flash_is_not_a_cut_but_a_cut_next_to_one_is():
    a, b = similar_plan(3, genre=synth.THRILLER, scenes=2, shortest=40, longest=40)
    frames = list(frames_of([a, b], SIZE))
    white = np.full_like(frames[0], 255)
    flashed = frames[:20] + [white] + frames[21:]  # one white frame in the first shot
    det = ShotDetector()
    for f in flashed:
        det.feed(f)
    assert det.finish() == [40]
    flashed = frames[:40] + [white] + frames[41:]  # the new shot starts with a flash
    det = ShotDetector()
    for f in flashed:
        det.feed(f)
    assert det.finish() == [40]


def test_streaming_results_come_a_few_frames_late_and_finish_settles_the_end():
    scenes = similar_plan(5, genre=synth.OTHER, scenes=3, shortest=20, longest=20)
    frames = list(frames_of(scenes, SIZE))
    det = ShotDetector()
    confirmed_at = {}
    for i, f in enumerate(frames):
        for c in det.feed(f):
            confirmed_at[c] = i
    assert confirmed_at == {20: 20 + det.lookahead + 2, 40: 40 + det.lookahead + 2}
    assert det.cuts == [20, 40] and det.finish() == [20, 40] and det.finish() == [20, 40]
    with pytest.raises(RuntimeError):
        det.feed(frames[0])
    # A cut in the last frames is settled by finish().
    det = ShotDetector()
    seen = [c for f in frames[:43] for c in det.feed(f)]
    assert seen == [20] and det.finish() == [20, 40]


def test_channel_order_and_frame_size_do_not_matter_much():
    scenes = similar_plan(2, genre=synth.MUSICAL, scenes=4, shortest=24, longest=30)
    truth = synth.cuts_for(scenes)
    rgb = list(frames_of(scenes, (180, 320)))
    as_rgb, as_bgr, squeezed = ShotDetector(), ShotDetector(bgr=True), ShotDetector()
    for f in rgb:
        as_rgb.feed(f)
        as_bgr.feed(np.ascontiguousarray(f[..., ::-1]))
        squeezed.feed(np.ascontiguousarray(f[::3, ::5]))  # 60x64: an export's square-ish frames
    assert as_rgb.finish() == as_bgr.finish() == truth
    assert match_cuts(squeezed.finish(), truth, 1)[0] == len(truth)


def test_short_and_still_videos():
    grey = np.full((36, 64, 3), 90, np.uint8)
    for n in range(0, 6):
        det = ShotDetector()
        for _ in range(n):
            det.feed(grey)
        assert det.finish() == [] and det.frames == n
    det = ShotDetector()
    for i in range(200):  # a still picture, then another: one cut
        det.feed(grey if i < 120 else np.ascontiguousarray(np.rot90(frames_of_pattern(), 2)))
    assert det.finish() == [120]
    det = ShotDetector(min_shot=10)  # cuts closer than min_shot: the first wins
    seq = [grey] * 30 + [frames_of_pattern()] * 5 + [grey] * 30
    for f in seq:
        det.feed(f)
    assert det.finish() == [30]


def frames_of_pattern():
    img = np.zeros((36, 64, 3), np.uint8)
    img[::6] = (200, 40, 40)
    img[:, ::9] = (20, 200, 90)
    return img


def test_cost_per_frame_is_small():
    import time

    scenes = mixed_plan(7, 8.0)
    frames = list(frames_of(scenes, (180, 320)))
    det = ShotDetector()
    start = time.perf_counter()
    for f in frames:
        det.feed(f)
    det.finish()
    per_frame = (time.perf_counter() - start) / len(frames)
    assert per_frame < 0.004, per_frame  # ~0.4 ms here; generous for slow CI machines


# ---- snapping and shots (pure functions) -------------------------------------------------
cut_lists = st.lists(st.integers(1, 499), max_size=12).map(lambda c: sorted(set(c)))


@settings(max_examples=300, deadline=None)
@given(cuts=cut_lists, a=st.integers(-20, 520), b=st.integers(-20, 520), tol=st.integers(0, 8))
def test_snap_range_properties(cuts, a, b, tol):
    frames = 500
    lo, hi = sorted((a, b))
    clamped = (min(max(lo, 0), frames), min(max(hi, 0), frames))
    s0, s1 = snap_range(a, b, cuts, frames, tol)
    assert 0 <= s0 <= s1 <= frames
    if clamped[0] >= clamped[1]:
        assert (s0, s1) == clamped
        return
    assert s0 < s1  # never empties a range
    bounds = [0, *cuts, frames]
    if (s0, s1) != clamped:
        for edge, new in ((clamped[0], s0), (clamped[1], s1)):
            if new != edge:
                assert new in bounds and abs(new - edge) <= tol
                # nothing closer than the boundary it moved to
                assert all(abs(x - edge) >= abs(new - edge) for x in bounds if abs(x - edge) <= tol)
    else:
        # left alone: either no boundary near an edge, or snapping would empty the range
        near = [e for e in clamped if any(0 < abs(x - e) <= tol for x in bounds)]
        if near:
            n0 = min((x for x in bounds if abs(x - clamped[0]) <= tol), key=lambda x: abs(x - clamped[0]), default=clamped[0])
            n1 = min((x for x in bounds if abs(x - clamped[1]) <= tol), key=lambda x: abs(x - clamped[1]), default=clamped[1])
            assert n0 >= n1 or (n0, n1) == clamped
    assert snap_range(s0, s1, cuts, frames, tol) == (s0, s1)  # idempotent


def test_snap_range_examples():
    cuts = [100, 200]
    assert snap_range(103, 197, cuts, 300) == (100, 200)  # extend and pull back
    assert snap_range(97, 203, cuts, 300) == (100, 200)
    assert snap_range(110, 190, cuts, 300) == (110, 190)  # too far: left alone
    assert snap_range(2, 150, cuts, 300) == (0, 150)  # the video's start is a boundary
    assert snap_range(150, 297, cuts, 300) == (150, 300)
    assert snap_range(99, 102, cuts, 300) == (99, 102)  # both edges at one cut: unchanged
    assert snap_range(197, 103, cuts, 300) == (100, 200)  # either order
    assert snap_range(98, 150, cuts, 300, tolerance=0) == (98, 150)
    assert snap_range(98, 150, None, 300) == (98, 150)
    assert snap_range(2, 150, None, 300) == (0, 150)  # no cuts known: still the video's ends
    # a tie goes outwards
    assert snap_range(50, 102, [48, 52, 100, 104], 300, 2) == (48, 104)


@settings(max_examples=200, deadline=None)
@given(cuts=st.lists(st.integers(-5, 305), max_size=10), frame=st.integers(-10, 310))
def test_shots_tile_the_video_and_shot_at_finds_the_right_one(cuts, frame):
    frames = 300
    parts = shots_from_cuts(cuts, frames)
    assert parts[0][0] == 0 and parts[-1][1] == frames
    assert all(a < b for a, b in parts) and all(p[1] == q[0] for p, q in zip(parts, parts[1:]))
    assert [a for a, _ in parts[1:]] == sorted({c for c in cuts if 0 < c < frames})
    start, stop = shot_at(frame, cuts, frames)
    f = min(max(frame, 0), frames - 1)
    assert (start, stop) in parts and start <= f < stop


def test_pack_and_unpack():
    assert unpack_cuts(pack_cuts([30, 10, 10, 2_000_000])) == [10, 30, 2_000_000]
    assert pack_cuts([1, 2]) == b"\x01\x00\x00\x00\x02\x00\x00\x00"  # int32 little-endian
    assert unpack_cuts(b"") == [] and unpack_cuts(None) == []


def test_match_cuts():
    assert match_cuts([10, 21, 50], [10, 20, 30], 1) == (2, 1, 1)
    assert match_cuts([19, 21], [20], 1) == (1, 1, 0)  # one true cut matches one found cut
    assert match_cuts([], [], 1) == (0, 0, 0) and precision_recall(0, 0, 0) == (1.0, 1.0)


# ---- in the project ----------------------------------------------------------------------
@pytest.fixture
def cut_video(tmp_path):
    plan = similar_plan(4, genre=synth.THRILLER, scenes=3, shortest=20, longest=30)
    return write_plan(tmp_path / "cuts.mp4", plan, (72, 128)), synth.cuts_for(plan)


def test_adding_a_video_stores_its_cuts_from_the_same_pass(project, cut_video, monkeypatch):
    path, truth = cut_video
    calls = []
    real_feed = ShotDetector.feed

    def feed(self, frame):
        calls.append(frame.shape)
        return real_feed(self, frame)

    monkeypatch.setattr(ShotDetector, "feed", feed)
    video = project.add_video(path)
    assert len(calls) == video.frames and calls[0] == (72, 128, 3)
    assert project.cuts(video.id) == truth and project.cuts_detector(video.id) == DETECTOR
    row = project.db.execute("SELECT cuts FROM shots WHERE video_id = ?", (video.id,)).fetchone()
    assert np.frombuffer(row[0], "<i4").tolist() == truth


def test_probe_hook_sees_every_frame_even_when_the_scan_is_cached(cut_video):
    path, _truth = cut_video
    info = probe(path)  # scanned and remembered
    frames = []
    probe(path, frame_hook=lambda bgr: frames.append(bgr.copy()))
    assert len(frames) == info.frames and frames[0].dtype == np.uint8
    import cv2

    cap = cv2.VideoCapture(str(path))
    ok, first = cap.read()
    cap.release()
    assert ok and np.array_equal(first, frames[0])  # BGR, as OpenCV decodes it


def test_set_cuts_validates_and_forgets(project_with_videos):
    p = project_with_videos
    p.set_cuts(0, [5, 12], "manual")
    assert p.cuts(0) == [5, 12] and p.cuts_detector(0) == "manual"
    with pytest.raises(ProjectError, match="cuts must lie"):
        p.set_cuts(0, [0, 5])
    with pytest.raises(ProjectError, match="cuts must lie"):
        p.set_cuts(0, [30])
    p.set_cuts(0, None)
    assert p.cuts(0) is None
    p.set_cuts(1, [])
    assert p.cuts(1) == []  # known: one shot
    with pytest.raises(ProjectError):
        p.set_cuts(7, [1])
    p.db.execute("DELETE FROM videos WHERE id = 1")
    assert p.db.execute("SELECT COUNT(*) FROM shots WHERE video_id = 1").fetchone()[0] == 0


def _make_v1_project(folder, video_path):
    """A project as schema 1 left it: one video, no shots table."""
    folder.mkdir()
    for sub in ("dataset", "models", "predictions", "videos"):
        (folder / sub).mkdir()
    db = sqlite3.connect(folder / DB_NAME, isolation_level=None)
    db.execute("PRAGMA foreign_keys=ON")
    MIGRATIONS[0](db)
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO settings VALUES ('annotator', 'me')")
    for pos, g in enumerate(default_genres()):
        db.execute("INSERT INTO genres VALUES (?, ?, ?, ?)", (g.name, pos, g.color, g.key))
    info = probe(video_path)
    db.execute(
        "INSERT INTO videos VALUES (0, ?, ?, ?, ?, ?, ?, 0, ?, 'then')",
        (str(video_path), info.frames, info.fps, info.width, info.height, info.duration,
         info.fingerprint),
    )
    db.close()


def test_a_schema_1_project_is_migrated_and_gets_cuts_on_demand(tmp_path, cut_video):
    path, truth = cut_video
    _make_v1_project(tmp_path / "old", path)
    p = Project.open(tmp_path / "old")
    assert SCHEMA_VERSION >= 2 and len(MIGRATIONS) == SCHEMA_VERSION  # to the newest schema
    assert p.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert p.videos()[0].frames > 0 and p.annotator == "me"  # old data kept
    assert p.cuts(0) is None  # never detected
    assert ensure_cuts(p, 0) == truth
    assert p.cuts(0) == truth and p.cuts_detector(0) == DETECTOR
    p.close()
    assert Project.open(tmp_path / "old").cuts(0) == truth  # migrated once, kept


def test_export_detects_missing_cuts_from_the_frames_it_decodes(project, cut_video, monkeypatch):
    path, truth = cut_video
    video = project.add_video(path)
    project.set_cuts(video.id, None)  # as if added before shots were detected
    decodes = []
    monkeypatch.setattr(shots, "detect_cuts", lambda *a, **k: decodes.append(a) or [])
    export_dataset(project, ExportSettings(size=(64, 64), stride=2))
    assert project.cuts(video.id) is None  # stride 2 sees half the frames: no detection
    export_dataset(project, ExportSettings(size=(32, 32), stride=1))
    assert project.cuts(video.id) is None  # too small to look for cuts in
    export_dataset(project, ExportSettings(size=(64, 64), stride=1))
    assert project.cuts(video.id) == truth and not decodes  # no extra decoding pass
    project.set_cuts(video.id, [5], "manual")
    export_dataset(project, ExportSettings(size=(48, 64), stride=1))
    assert project.cuts(video.id) == [5]  # stored cuts are never replaced by an export


# ---- the command -------------------------------------------------------------------------
def test_trailer_shots_prints_the_cuts(tmp_path, cut_video, capsys):
    path, truth = cut_video
    proj = tmp_path / "proj"
    assert main(["new", str(proj), str(path)]) == 0
    capsys.readouterr()
    assert main(["shots", str(proj), "0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"cuts": truth}
    assert main(["shots", str(proj), "0"]) == 0
    out = capsys.readouterr()
    assert out.out.split() == [str(c) for c in truth] and "cuts" in out.err
    with Project.open(proj) as p:  # added before shots existed: detected and stored now
        p.set_cuts(0, None)
    assert main(["shots", str(proj), "0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"cuts": truth}
    with Project.open(proj) as p:
        assert p.cuts(0) == truth
    assert main(["shots", str(proj), "5"]) == 1
    assert "no video with id 5" in capsys.readouterr().err
