"""The OpenCV video reader: probing, typed errors, and exact random access."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trailer_gui.core.downscale import area_shrink
from trailer_gui.core.errors import (
    NoFrames,
    NotAVideo,
    NoVideoStream,
    TruncatedVideo,
    VideoEmpty,
    VideoMissing,
)
from trailer_gui.core.video_probe import VideoInfo, fingerprint, probe
from trailer_gui.core.video_reader import VideoReader

try:
    from tests.core import videos
except ImportError:  # tests/core on sys.path instead of the repository root
    import videos


class Clip:
    def __init__(self, path, frames):
        self.path = path
        self.frames = frames  # the reference: plain sequential decoding, RGB


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("clips")
    made = {
        # 120 frames, keyframes at 0, 48, 96, 3 B-frames between references.
        "h264": videos.write_h264(d / "h264.mp4", 120, gop=48),
        "mp4v": videos.write_mp4v(d / "mp4v.mp4", 90),
        # Irregular timestamps: CAP_PROP_POS_FRAMES seeks land on wrong frames here.
        "vfr": videos.write_h264(d / "vfr.mp4", 100, gop=40, vfr=True),
        # No timestamps at all: the reader must never trust a seek, and restarts instead.
        "raw": videos.write_raw_h264(d / "raw.h264", 60),
    }
    return {k: Clip(p, videos.decode_all(p)) for k, p in made.items()}


@pytest.fixture(scope="session")
def bad_dir(tmp_path_factory, clips):
    d = tmp_path_factory.mktemp("bad")
    fast = videos.write_h264(d / "faststart.mp4", 120, gop=48, faststart=True)
    videos.cut(fast, d / "half.mp4", 0.5)
    videos.cut(clips["h264"].path, d / "half_no_index.mp4", 0.5)
    videos.zero_media_data(fast, d / "no_frames.mp4")
    videos.write_audio_only(d / "audio_only.m4a")
    (d / "empty.mp4").write_bytes(b"")
    (d / "notes.txt").write_text("These are not frames.\n" * 40)
    (d / "notes.mp4").write_text("Still not frames.\n" * 40)
    (d / "noise.mp4").write_bytes(np.random.default_rng(0).bytes(20_000))
    return d


# ----------------------------------------------------------------------------- probe


def test_probe_describes_the_file(clips):
    info = probe(clips["h264"].path)
    assert isinstance(info, VideoInfo)
    assert info.path == clips["h264"].path
    assert info.frames == len(clips["h264"].frames) == 120
    assert info.fps == pytest.approx(24.0)
    assert (info.width, info.height) == (videos.COLS, videos.ROWS)
    assert info.duration == pytest.approx(5.0)
    assert info.has_audio is False
    assert info.fingerprint == fingerprint(clips["h264"].path)
    assert probe(clips["mp4v"].path).frames == 90
    assert probe(clips["vfr"].path).frames == 100


def test_probe_sees_audio(tmp_path):
    info = probe(videos.write_h264(tmp_path / "with_sound.mp4", 24, audio=True))
    assert info.has_audio is True
    assert info.frames == 24


def test_fingerprint_notices_a_replaced_file(tmp_path, clips):
    p = tmp_path / "v.mp4"
    p.write_bytes(clips["h264"].path.read_bytes())
    before = fingerprint(p)
    assert fingerprint(p) == before
    st_ = p.stat()
    data = bytearray(p.read_bytes())
    data[-10] ^= 0xFF  # same size, same mtime, different content at the end
    p.write_bytes(bytes(data))
    os.utime(p, ns=(st_.st_atime_ns, st_.st_mtime_ns))
    assert fingerprint(p) != before


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "name, error, words",
    [
        ("missing.mp4", VideoMissing, "not found"),
        ("empty.mp4", VideoEmpty, "empty"),
        ("notes.txt", NotAVideo, "text"),
        ("notes.mp4", NotAVideo, "not a video"),
        ("noise.mp4", NotAVideo, "not a video"),
        ("audio_only.m4a", NoVideoStream, "audio"),
        ("no_frames.mp4", NoFrames, "no decodable frames"),
        ("half_no_index.mp4", NotAVideo, "moov"),
    ],
)
def test_bad_input_raises_a_typed_error_naming_the_file(bad_dir, name, error, words):
    path = bad_dir / name
    with pytest.raises(error) as e:
        probe(path)
    assert str(path) in str(e.value)
    assert words in str(e.value)
    assert e.value.path == path
    with pytest.raises(error):
        VideoReader(path)


def test_a_folder_is_not_a_video(tmp_path):
    with pytest.raises(NotAVideo, match="folder"):
        probe(tmp_path)


def test_truncated_file_reports_readable_frames(bad_dir):
    path = bad_dir / "half.mp4"
    with pytest.raises(TruncatedVideo) as e:
        probe(path)
    err = e.value
    assert str(path) in str(err)
    assert err.expected == 120
    assert 10 < err.readable < 100
    assert f"only {err.readable} of 120" in str(err)

    info = probe(path, allow_truncated=True)
    assert info.frames == err.readable
    reference = videos.decode_all(path)
    assert len(reference) == err.readable
    with VideoReader(path, allow_truncated=True) as r:
        assert r.frame_count == err.readable
        last = err.readable - 1
        assert np.array_equal(r.frame(last), reference[last])
        assert np.array_equal(r.frame(0), reference[0])
        with pytest.raises(IndexError):
            r.frame(err.readable)


# ----------------------------------------------------------------------------- frames


def test_frames_are_rgb_contiguous_readonly(clips):
    clip = clips["h264"]
    with VideoReader(clip.path) as r:
        f = r.frame(7)
        assert f.shape == (videos.ROWS, videos.COLS, 3) and f.dtype == np.uint8
        assert f.flags.c_contiguous and not f.flags.writeable
        # RGB, not BGR: the lower half of the pattern differs in red and blue.
        expected = videos.pattern(7)
        assert np.abs(f.astype(int) - expected).mean() < 12
        with pytest.raises(IndexError):
            r.frame(120)
        with pytest.raises(IndexError):
            r.frame(-1)
    with pytest.raises(ValueError, match="closed"):
        r.frame(0)


def test_frames_show_their_own_index(clips):
    # Guards the test videos themselves: neighbours must differ after lossy coding.
    for clip in clips.values():
        f = clip.frames
        assert all(not np.array_equal(f[i], f[i + 1]) for i in range(len(f) - 1))


@pytest.mark.parametrize("kind", ["h264", "mp4v", "vfr", "raw"])
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_random_access_equals_sequential_decoding(clips, kind, data):
    clip = clips[kind]
    n = len(clip.frames)
    order = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=25), label="order")
    cache = data.draw(st.sampled_from([4, 16, None]), label="cache_frames")
    with VideoReader(clip.path, cache_frames=cache) as r:
        assert r.frame_count == n
        for i in order:
            assert np.array_equal(r.frame(i), clip.frames[i]), f"frame {i} of {kind}"
        if kind == "raw":
            assert r.stats["seeks"] == 0


def test_vfr_file_needs_the_timestamp_check(clips):
    clip = clips["vfr"]
    with VideoReader(clip.path, cache_frames=4) as r:
        for i in range(99, 40, -5):
            assert np.array_equal(r.frame(i), clip.frames[i])
    # The situation the reader guards against: OpenCV's own seek lands elsewhere here.
    cap = cv2.VideoCapture(str(clip.path), cv2.CAP_FFMPEG)
    wrong = 0
    for i in range(50, 100, 5):
        cap.set(cv2.CAP_PROP_POS_FRAMES, i)
        ok, bgr = cap.read()
        wrong += not (ok and np.array_equal(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), clip.frames[i]))
    cap.release()
    if wrong == 0:
        pytest.skip("this OpenCV seeks variable-frame-rate files exactly: the check is moot")


@pytest.mark.parametrize("kind", ["h264", "vfr"])
def test_stepping_backwards_decodes_blocks_not_gops(clips, kind):
    clip = clips[kind]
    n = len(clip.frames)
    with VideoReader(clip.path, cache_frames=24) as r:
        block = r._block
        assert np.array_equal(r.frame(n - 1), clip.frames[n - 1])
        before = r.stats
        for i in range(n - 2, -1, -1):
            assert np.array_equal(r.frame(i), clip.frames[i]), f"frame {i}"
        s = r.stats
        seeks = s["seeks"] + s["reopens"] - before["seeks"] - before["reopens"]
        grabs = s["grabs"] - before["grabs"]
        # One seek per block of `block` frames (not one per step), and each frame is
        # decoded about once by us (plus a little slack per block).
        assert seeks <= n // block + 2, s
        assert grabs <= n + 2 * (n // block + 2), s
        assert s["cache_hits"] - before["cache_hits"] >= n - 2 - (n // block + 2)


def test_sequential_reading_never_seeks(clips):
    clip = clips["h264"]
    with VideoReader(clip.path, cache_frames=8) as r:
        for i in range(len(clip.frames)):
            assert np.array_equal(r.frame(i), clip.frames[i])
        assert r.stats["seeks"] == 0 and r.stats["reopens"] == 0
        assert r.stats["grabs"] == len(clip.frames)


def test_short_forward_jumps_read_on(clips):
    clip = clips["h264"]
    with VideoReader(clip.path, cache_frames=8) as r:
        r.frame(50)
        seeks = r.stats["seeks"]
        for i in (53, 60, 75, 90):  # within the GOP that starts at 48
            assert np.array_equal(r.frame(i), clip.frames[i])
        assert r.stats["seeks"] == seeks


# ----------------------------------------------------------------------------- iter_frames


@pytest.mark.parametrize("kind", ["h264", "mp4v", "vfr", "raw"])
def test_iter_frames_equals_sequential(clips, kind):
    clip = clips[kind]
    n = len(clip.frames)
    with VideoReader(clip.path) as r:
        got = list(r.iter_frames())
        assert len(got) == n
        assert all(np.array_equal(a, b) for a, b in zip(got, clip.frames))
        for start, stop, step in [(5, None, 7), (0, 10, 1), (n - 3, n + 5, 1), (10, 80, 33), (3, 3, 1)]:
            idx = list(range(start, min(stop if stop is not None else n, n), step))
            got = list(r.iter_frames(start, stop, step))
            assert len(got) == len(idx)
            assert all(np.array_equal(g, clip.frames[i]) for g, i in zip(got, idx))
            assert all(g.flags.c_contiguous and g.flags.writeable for g in got)
        with pytest.raises(ValueError):
            list(r.iter_frames(step=0))


@pytest.mark.parametrize("size", [(16, 24), (6, 8)])
def test_iter_frames_shrinks_by_area_averaging(clips, size):
    clip = clips["h264"]
    bgr = videos.decode_all_bgr(clip.path)
    with VideoReader(clip.path) as r:
        got = list(r.iter_frames(0, 20, 3, size=size))
        for k, g in enumerate(got):
            ref = area_shrink(bgr[3 * k], *size)
            assert g.shape == (*size, 3)
            assert np.array_equal(g, cv2.cvtColor(ref, cv2.COLOR_BGR2RGB))


@pytest.mark.parametrize("kind", ["h264", "vfr"])
def test_iter_decoded_fills_the_lent_buffers_with_the_decoded_bgr_frames(clips, kind):
    """What the export's decoding thread reads: BGR frames as decoded, each retrieved into a
    buffer the caller lends (recycled: a long decode allocates nothing per frame)."""
    clip = clips[kind]
    bgr = videos.decode_all_bgr(clip.path)
    with VideoReader(clip.path) as r:
        shape = (r.info.height, r.info.width, 3)
        buffers = [np.empty(shape, np.uint8) for _ in range(2)]
        lent = []

        def lend():
            lent.append(buffers[len(lent) % 2])
            return lent[-1]

        for k, frame in enumerate(r.iter_decoded(4, 40, 3, buffer=lend)):
            assert frame is lent[-1] or np.shares_memory(frame, lent[-1])
            assert np.array_equal(frame, bgr[4 + 3 * k])
        assert len(lent) == len(range(4, 40, 3))
        fresh = list(r.iter_decoded(0, 3))
        assert all(np.array_equal(f, bgr[i]) for i, f in enumerate(fresh))
        with pytest.raises(ValueError):
            list(r.iter_decoded(step=0))


def test_iter_frames_leaves_random_access_alone(clips):
    clip = clips["h264"]
    with VideoReader(clip.path) as r:
        r.frame(60)
        stats = r.stats
        it = r.iter_frames(0, 30)
        next(it)
        assert np.array_equal(r.frame(61), clip.frames[61])
        assert np.array_equal(next(it), clip.frames[1])
        it.close()
        assert r.stats["seeks"] == stats["seeks"]



def test_iter_frames_borrows_a_well_placed_decoder(clips):
    clip = clips["h264"]
    with VideoReader(clip.path, cache_frames=8) as r:
        r.frame(70)  # a paused player
        d = r._dec
        seeks = d.seeks
        it = r.iter_frames(71, 90, 2)
        assert np.array_equal(next(it), clip.frames[71])
        # frame() meanwhile works, with a decoder of its own
        assert np.array_equal(r.frame(10), clip.frames[10])
        rest = list(it)
        assert all(np.array_equal(g, clip.frames[i]) for g, i in zip(rest, range(73, 90, 2)))
        assert d.seeks == seeks and d.cur == 89  # no seek: it read on from frame 70
        # the reader keeps the decoder it made meanwhile; the borrowed one was closed
        assert r._dec is not d and d.cap is None

        r2_dec = r._dec
        got = list(r.iter_frames(r2_dec.cur + 1, r2_dec.cur + 6))
        assert r._dec is r2_dec  # handed back, standing after the last frame
        assert r2_dec.cur == 15 and len(got) == 5
        seeks = r.stats["seeks"]
        assert np.array_equal(r.frame(16), clip.frames[16])
        assert r.stats["seeks"] == seeks and r.stats["grabs"] > 0

# ----------------------------------------------------------------------------- odds and ends


def test_probe_reports_progress_and_can_be_cancelled(tmp_path, clips):
    from trailer_gui.core.errors import Cancelled

    p = tmp_path / "copy.mp4"
    p.write_bytes(clips["h264"].path.read_bytes())  # a new file: not remembered yet
    calls = []
    probe(p, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (64, 120) and calls[-1] == (120, 120)

    q = tmp_path / "copy2.mp4"
    q.write_bytes(clips["mp4v"].path.read_bytes())

    def cancel(done, total):
        raise Cancelled("probe cancelled")

    with pytest.raises(Cancelled):
        probe(q, progress=cancel)
    assert probe(q).frames == 90  # nothing half-done was remembered


def test_timestamps_follow_the_file(clips):
    with VideoReader(clips["h264"].path) as r:
        t = r.timestamps()
        assert len(t) == 120 and t[0] == 0.0
        assert np.allclose(np.diff(t), 1 / 24)
    with VideoReader(clips["vfr"].path) as r:
        d = np.round(np.diff(r.timestamps()) * 1000).astype(int)
        assert set(d) == {20, 41, 42, 100}


def test_a_scan_is_kept_on_disk_for_the_next_process(tmp_path, monkeypatch):
    """Opening a trailer again in a new process must not decode the whole file again."""
    import trailer_gui.core.video_probe as video_probe
    from .conftest import write_mp4v

    monkeypatch.setenv("TRAILER_GUI_CACHE", str(tmp_path / "cache"))
    path = write_mp4v(tmp_path / "kept.mp4", frames=20)
    first = video_probe.probe(path)
    video_probe._SCANS.clear()  # as in a new process

    def no_rescan(*a, **k):
        raise AssertionError("decoded the whole file again")

    monkeypatch.setattr(video_probe, "_scan_uncached", no_rescan)
    assert video_probe.probe(path) == first
    with VideoReader(path) as reader:
        assert reader.frame_count == 20
    # a changed file is scanned again
    write_mp4v(path, frames=21)
    video_probe._SCANS.clear()
    monkeypatch.undo()
    monkeypatch.setenv("TRAILER_GUI_CACHE", str(tmp_path / "cache"))
    assert video_probe.probe(path).frames == 21
