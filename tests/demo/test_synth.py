"""Synthetic trailers: deterministic, labelled consistently, and genres that look different."""

from __future__ import annotations

import numpy as np
import pytest

from trailer_gui.demo import synth
from trailer_gui.core.errors import Cancelled
from trailer_gui.core.genres import DEFAULT_GENRES
from trailer_gui.demo.synth import (
    GENRES,
    cuts_for,
    iter_trailer,
    labels_for,
    plan_trailer,
    render_frame,
    write_trailer,
)
from trailer_gui.core.video_probe import probe
from trailer_gui.core.video_reader import VideoReader

SMALL = (36, 64)


def test_genres_in_project_order():
    assert GENRES == tuple(name for name, _c, _k in DEFAULT_GENRES)
    assert GENRES == ("comedy", "action", "horror", "thriller", "musical", "other")


@pytest.mark.parametrize("seed", [0, 1, 7, 12345])
def test_plan_covers_the_trailer_with_scenes_of_1_to_4_seconds(seed):
    fps = 24.0
    plan = plan_trailer(seed, 20, fps)
    assert plan[0].start == 0 and plan[-1].stop == 480
    for a, b in zip(plan, plan[1:]):
        assert a.stop == b.start
    for s in plan:
        assert fps <= s.frames <= 4 * fps
        assert len(s.genres) <= 2 and list(s.genres) == sorted(set(s.genres))
        assert all(0 <= g < 6 for g in s.genres)
        if not s.genres and s is not plan[-1]:  # the last scene takes the remainder
            assert s.frames <= 2 * fps
    for a, b in zip(plan, plan[1:]):  # every cut changes the look
        assert a.genres != b.genres or a.params != b.params


def test_plans_have_two_genre_scenes_and_title_cards():
    plans = [plan_trailer(seed, 20) for seed in range(8)]
    for plan in plans:
        assert any(len(s.genres) == 2 for s in plan)
        assert plan[0].genres == ()  # a trailer of >= 10 s opens with a title card
    seen = {g for plan in plans for s in plan for g in s.genres}
    assert seen == set(range(6))


def test_deterministic_for_a_seed_and_different_across_seeds():
    a = list(iter_trailer(3, 3, size=SMALL))
    b = list(iter_trailer(3, 3, size=SMALL))
    c = list(iter_trailer(4, 3, size=SMALL))
    assert len(a) == len(b) == 72
    assert all(np.array_equal(fa, fb) and np.array_equal(la, lb) for (fa, la), (fb, lb) in zip(a, b))
    assert not all(np.array_equal(fa, fc) for (fa, _), (fc, _) in zip(a, c))
    # render_frame is a pure function: the same call again, in another order, same pixels.
    plan = plan_trailer(3, 3)
    s = plan[-1]
    x = render_frame(s, 5, SMALL)
    render_frame(plan[0], 0, SMALL)
    assert np.array_equal(render_frame(s, 5, SMALL), x)


def test_frames_are_rgb_uint8_of_the_asked_size():
    for frame, row in iter_trailer(5, 2, size=(30, 50)):
        assert frame.shape == (30, 50, 3) and frame.dtype == np.uint8 and frame.flags.c_contiguous
        assert row.shape == (6,) and row.dtype == bool


def test_labels_and_cuts_follow_the_plan():
    plan = plan_trailer(11, 12, 24.0)
    frames = plan[-1].stop
    labels = labels_for(plan, frames)
    rows = np.array([row for _f, row in iter_trailer(11, 12, 24.0, size=(8, 8))])
    assert labels.shape == (frames, 6) and labels.dtype == bool
    assert np.array_equal(labels, rows)
    for s in plan:
        expected = np.zeros(6, bool)
        expected[list(s.genres)] = True
        assert (labels[s.start : s.stop] == expected).all()
    assert cuts_for(plan) == [s.start for s in plan[1:]]
    # Title cards carry no genre; some frames have two.
    assert (labels.sum(1) == 0).any() and (labels.sum(1) == 2).any()
    # Longer or shorter than the plan: zero rows after it, clipped before.
    assert labels_for(plan, frames + 5)[-5:].sum() == 0
    assert np.array_equal(labels_for(plan, 10), labels[:10])


def test_shot_cuts_are_visible():
    plan = plan_trailer(2, 20)
    size = (32, 32)
    inside, across = [], []
    for a, b in zip(plan, plan[1:]):
        fa = render_frame(a, a.frames - 1, size).astype(float)
        fb = render_frame(b, 0, size).astype(float)
        across.append(np.abs(fa - fb).mean())
        inside.append(np.abs(render_frame(b, 1, size).astype(float) - fb).mean())
    assert np.median(across) > 3 * np.median(inside)


def _genre_stats(seeds=range(10), size=(48, 48), frames=24):
    """Per single-genre scene: mean brightness, mean R, G, B, mean frame difference."""
    out = {g: [] for g in range(6)}
    for seed in seeds:
        for s in plan_trailer(seed, 30):
            if len(s.genres) != 1:
                continue
            f = np.stack([render_frame(s, t, size) for t in range(min(frames, s.frames))]).astype(np.float32)
            r, g, b = f.mean((0, 1, 2))
            out[s.genres[0]].append((f.mean(), r, g, b, np.abs(np.diff(f, axis=0)).mean()))
    return {g: np.array(v) for g, v in out.items()}


def test_genres_differ_in_look_and_motion():
    st = _genre_stats()
    assert all(len(v) >= 3 for v in st.values()), {g: len(v) for g, v in st.items()}
    comedy, action, horror, thriller, musical, other = (st[g] for g in range(6))
    bright = {g: v[:, 0] for g, v in st.items()}
    motion = {g: v[:, 4] for g, v in st.items()}
    # Horror is the darkest of all, comedy the brightest.
    assert bright[2].max() < min(bright[g].min() for g in range(6) if g != 2)
    assert bright[0].min() > max(bright[g].max() for g in range(1, 6))
    # Palettes: comedy warm, thriller cold blue, musical pink/purple, other green.
    assert (comedy[:, 1] > comedy[:, 3] + 50).all()
    assert (thriller[:, 3] > thriller[:, 1] + 40).all()
    assert (musical[:, 1] > musical[:, 2] + 30).all() and (musical[:, 3] > musical[:, 2] + 30).all()
    assert (other[:, 2] > other[:, 1] + 20).all() and (other[:, 2] > other[:, 3] + 20).all()
    # Motion: action is the most agitated, thriller and other are slow.
    assert motion[1].min() > max(motion[g].max() for g in (0, 3, 4, 5))
    assert motion[3].max() < 6 and motion[5].max() < 4
    assert np.median(motion[0]) > np.median(motion[3])


def test_two_genre_scenes_show_both():
    size = (48, 48)
    found = 0
    for seed in range(10):
        for s in plan_trailer(seed, 20):
            if len(s.genres) != 2:
                continue
            f = render_frame(s, 3, size).astype(float)
            singles = []
            for g in s.genres:
                params = {k: v for k, v in s.params.items() if k not in ("mix", "swap")}
                params = {k: v for k, v in params.items() if k not in GENRES or k == GENRES[g]}
                one = synth.Scene(s.start, s.stop, (g,), params)
                singles.append(render_frame(one, 3, size).astype(float))
            # The mix is closer to each of its genres than those are to each other.
            d = np.abs(singles[0] - singles[1]).mean()
            if d < 10:
                continue
            found += 1
            assert np.abs(f - singles[0]).mean() < d and np.abs(f - singles[1]).mean() < d
    assert found >= 5


def test_title_cards_are_black_with_white_bars():
    plan = plan_trailer(0, 20)
    title = plan[0]
    f = render_frame(title, title.frames - 1, (72, 128))
    assert (f == 0).mean() > 0.7 and f.max() >= 200


@pytest.mark.parametrize("codec, audio", [("mp4v", False), ("mp4v", True), ("h264", False), ("h264", True)])
def test_write_trailer_makes_a_readable_labelled_video(tmp_path, codec, audio):
    path = tmp_path / f"t_{codec}_{audio}.mp4"
    calls = []
    labels = write_trailer(
        path, 9, 3, fps=24.0, size=(48, 64), codec=codec, audio=audio, progress=lambda d, t: calls.append((d, t))
    )
    assert labels.shape == (72, 6) and labels.dtype == bool
    assert np.array_equal(labels, labels_for(plan_trailer(9, 3, 24.0), 72))
    assert calls[-1] == (72, 72) and all(t == 72 for _d, t in calls)
    info = probe(path)
    assert info.frames == 72 and (info.height, info.width) == (48, 64)
    assert info.fps == pytest.approx(24.0) and info.has_audio is audio
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left
    # What was written looks like what was rendered (lossy, but close).
    rendered = [f for f, _ in iter_trailer(9, 3, 24.0, size=(48, 64))]
    with VideoReader(path) as r:
        for i in (0, 20, 50, 71):
            err = np.abs(r.frame(i).astype(float) - rendered[i]).mean()
            assert err < 12, (i, err)


def test_write_trailer_cancelled_leaves_nothing(tmp_path):
    def cancel(done, total):
        if done >= 24:
            raise Cancelled("demo cancelled")

    path = tmp_path / "c.mp4"
    with pytest.raises(Cancelled):
        write_trailer(path, 1, 3, size=(48, 64), codec="h264", progress=cancel)
    assert list(tmp_path.iterdir()) == []


def test_write_trailer_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="codec"):
        write_trailer(tmp_path / "x.mp4", 0, 1, codec="vp9")
    with pytest.raises(ValueError, match="even"):
        write_trailer(tmp_path / "x.mp4", 0, 1, size=(45, 64), codec="h264")
    assert list(tmp_path.iterdir()) == []


def test_sound_is_added_to_opencvs_video_without_touching_a_frame(tmp_path):
    """The demo's sound: OpenCV's MPEG-4 packets are copied, not re-encoded, next to AAC
    that lasts as long as the picture."""
    import av

    silent = tmp_path / "silent.mp4"
    sound = tmp_path / "sound.mp4"
    write_trailer(silent, 5, 3, size=(48, 64))
    write_trailer(sound, 5, 3, size=(48, 64), audio=True)
    with av.open(str(silent)) as a, av.open(str(sound)) as b:
        assert [bytes(p) for p in a.demux(a.streams.video[0]) if p.size] == \
               [bytes(p) for p in b.demux(b.streams.video[0]) if p.size]
    with av.open(str(sound)) as b:
        stream = b.streams.audio[0]
        assert stream.codec_context.name == "aac"
        samples = sum(f.samples for f in b.decode(stream))
    assert abs(samples / synth.AUDIO_RATE - 3.0) < 0.1
    assert [p.name for p in tmp_path.iterdir() if p.name not in ("silent.mp4", "sound.mp4")] == []


def test_soundtrack_depends_on_genre():
    plan = plan_trailer(4, 20)
    audio = synth.trailer_audio(plan, 24.0)
    assert audio.dtype == np.float32 and len(audio) == 20 * synth.AUDIO_RATE
    assert np.abs(audio).max() <= 1.0
    for s in plan:
        a = int(s.start / 24 * synth.AUDIO_RATE)
        b = int(s.stop / 24 * synth.AUDIO_RATE)
        loud = np.sqrt(np.mean(audio[a:b] ** 2))
        if not s.genres:
            assert loud == 0.0
        else:
            assert loud > 0.01
