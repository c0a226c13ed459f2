"""Proxies (issue #14): made when a video is added, exact frame for frame, remade when stale
or broken, never in the way when missing."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from trailer_gui.core import proxy as proxy_mod
from trailer_gui.core.proxy import (
    ProxyReader, make_proxy, proxy_files, proxy_geometry, proxy_state, valid_proxy,
)
from trailer_gui.core.store import Project
from trailer_gui.core.video_reader import VideoReader

from .videos import pattern, read_index, write_h264


@pytest.fixture
def proj(tmp_path):
    p = Project.create(tmp_path / "proj")
    yield p
    p.close()


def test_geometry_divides_by_a_whole_factor_and_never_upscales():
    assert proxy_geometry(1920, 1080) == (2, 960, 540)
    assert proxy_geometry(3840, 2160) == (4, 960, 540)
    assert proxy_geometry(1280, 720) == (2, 640, 360)
    assert proxy_geometry(854, 480) == (1, 854, 480)
    assert proxy_geometry(64, 48) == (1, 64, 48)
    assert proxy_geometry(63, 47) == (1, 62, 46)  # even sizes for 4:2:0


def test_adding_a_video_makes_its_proxy_with_the_same_frames(proj, tmp_path):
    src = write_h264(tmp_path / "long_gop.mp4", frames=60, gop=48, rows=720, cols=128)
    video = proj.add_video(src)
    state = proxy_state(proj.folder, video)
    assert state.ok, state
    mp4, meta_path = proxy_files(proj.folder, video.id)
    assert state.path == mp4 and meta_path.is_file()
    assert not [p for p in mp4.parent.iterdir() if p.name.startswith(".")]  # no leftovers
    with ProxyReader(mp4) as proxy, VideoReader(src) as full:
        assert proxy.frame_count == full.frame_count == video.frames == 60
        assert (proxy.info.height, proxy.info.width) == (360, 64)  # 720 lines / 2
        # random order, backwards and forwards: every proxy frame is the source's frame
        for i in [59, 0, 31, 30, 7, 48, 47, 12, 59]:
            small = proxy.frame(i)
            assert read_index(small) == i
            ref = full.frame(i).reshape(360, 2, 64, 2, 3).mean(axis=(1, 3))  # at proxy size
            assert np.abs(small.astype(np.float32) - ref).mean() < 6.0
        assert [read_index(f) for f in proxy.iter_frames(10, 20, 3)] == [10, 13, 16, 19]


def test_proxy_keeps_the_timing(proj, tmp_path):
    import av

    src = write_h264(tmp_path / "v.mp4", frames=24)
    video = proj.add_video(src)
    with av.open(str(proxy_files(proj.folder, video.id)[0])) as c:
        s = c.streams.video[0]
        assert float(s.average_rate) == pytest.approx(24.0)
        times = [float(f.time) for f in c.decode(s)]
    assert times == pytest.approx([i / 24 for i in range(24)], abs=1e-3)


def test_a_changed_video_makes_the_proxy_stale_and_it_is_remade(proj, tmp_path):
    src = write_h264(tmp_path / "v.mp4", frames=30)
    video = proj.add_video(src)
    assert proxy_state(proj.folder, video).ok
    # the file is replaced (relinked to a re-encode, say): the project learns a new fingerprint
    write_h264(src, frames=30, gop=10)
    from dataclasses import replace

    from trailer_gui.core.video_probe import fingerprint

    changed = replace(video, fingerprint=fingerprint(src))
    state = proxy_state(proj.folder, changed)
    assert state.state == "stale" and "changed" in state.why
    assert valid_proxy(proj.folder, changed) is None
    assert make_proxy(proj.folder, changed) is not None
    assert proxy_state(proj.folder, changed).ok


@pytest.mark.parametrize("damage", ["truncate", "no_json", "bad_json", "garbage"])
def test_a_broken_proxy_is_detected_and_remade(proj, tmp_path, damage):
    video = proj.add_video(write_h264(tmp_path / "v.mp4", frames=30))
    mp4, meta_path = proxy_files(proj.folder, video.id)
    if damage == "truncate":
        data = mp4.read_bytes()
        mp4.write_bytes(data[: len(data) // 2])
    elif damage == "no_json":
        meta_path.unlink()
    elif damage == "bad_json":
        meta_path.write_text("{not json")
    else:
        mp4.write_bytes(b"\0" * 1000)
        meta = json.loads(meta_path.read_text())
        meta["bytes"] = 1000
        meta_path.write_text(json.dumps(meta))
    state = proxy_state(proj.folder, video)
    if damage == "garbage":  # sizes match, the content is rubbish: the reader refuses it
        from trailer_gui.core.errors import VideoError

        with pytest.raises(VideoError):
            ProxyReader(mp4).frame(0)
    else:
        assert state.state == "broken", state
    assert make_proxy(proj.folder, video) == mp4
    assert proxy_state(proj.folder, video).ok
    with ProxyReader(mp4) as r:
        assert read_index(r.frame(29)) == 29


def test_deleting_the_proxies_folder_loses_nothing(proj, tmp_path):
    import shutil

    video = proj.add_video(write_h264(tmp_path / "v.mp4", frames=20))
    labels = np.zeros((20, len(proj.genre_names())), bool)
    labels[5:9, 1] = True
    proj.save_labels(video.id, labels)
    shutil.rmtree(proj.folder / "proxies")
    assert proxy_state(proj.folder, video).state == "missing"
    reopened = Project.open(proj.folder)
    assert np.array_equal(reopened.load_labels(video.id), labels)
    assert make_proxy(reopened.folder, reopened.video(video.id)) is not None
    reopened.close()


def test_a_proxy_that_cannot_be_written_never_stops_adding(proj, tmp_path, monkeypatch):
    def explode(self):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(proxy_mod.ProxyRecorder, "_encode", explode)
    video = proj.add_video(write_h264(tmp_path / "v.mp4", frames=20))
    assert video.frames == 20 and proj.cuts(video.id) is not None
    assert proxy_state(proj.folder, video).state == "missing"
    assert os.listdir(proj.folder / "proxies") == []  # no half-written file left


def test_the_recorder_refuses_a_proxy_with_missing_frames(tmp_path):
    rec = proxy_mod.ProxyRecorder(tmp_path, write_h264(tmp_path / "v.mp4", frames=10))
    for i in range(9):
        rec.feed(pattern(i)[..., ::-1].copy())
    assert rec.commit(0, frames=10, fps=24.0, fingerprint="x") is None
    assert "9 frames" in rec.error
    assert os.listdir(tmp_path / "proxies") == []


def test_cli_proxy_makes_missing_and_broken_ones_and_keeps_good_ones(proj, tmp_path, capsys):
    from trailer_gui.cli import main

    a = proj.add_video(write_h264(tmp_path / "a.mp4", frames=20))
    b = proj.add_video(write_h264(tmp_path / "b.mp4", frames=12))
    proxy_files(proj.folder, a.id)[0].unlink()
    before = proxy_files(proj.folder, b.id)[0].stat().st_mtime_ns
    assert main(["proxy", str(proj.folder)]) == 0
    out = capsys.readouterr().out
    assert "0: a.mp4: proxy made" in out and "1: b.mp4: proxy up to date" in out
    assert proxy_state(proj.folder, a).ok
    assert proxy_files(proj.folder, b.id)[0].stat().st_mtime_ns == before
    assert main(["proxy", str(proj.folder), "1", "--force"]) == 0
    assert "1: b.mp4: proxy made" in capsys.readouterr().out
    assert main(["proxy", str(proj.folder), "9"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no video with id 9" in err


def test_export_from_proxy_reads_the_proxy_and_matches_the_source_closely(proj, tmp_path):
    from trailer_gui.core.export import ExportSettings, export_dataset
    from trailer_gui.core.proxy import ProxyReader as RealReader

    video = proj.add_video(write_h264(tmp_path / "v.mp4", frames=30, rows=720, cols=128))
    export_dataset(proj, ExportSettings((32, 32)))
    from_source = np.load(proj.folder / "dataset" / "scene_0.npy", allow_pickle=False)
    opened = []

    class Spy(RealReader):
        def __init__(self, path):
            opened.append(path)
            super().__init__(path)

    proxy_mod_reader = proxy_mod.ProxyReader
    proxy_mod.ProxyReader = Spy
    try:
        report = export_dataset(proj, ExportSettings((32, 32), from_proxy=True))
    finally:
        proxy_mod.ProxyReader = proxy_mod_reader
    assert report.written == [0]  # another source of pixels: the scene is exported again
    assert opened == [proxy_files(proj.folder, video.id)[0]]
    from_proxy = np.load(proj.folder / "dataset" / "scene_0.npy", allow_pickle=False)
    assert from_proxy.shape == from_source.shape == (30, 3, 32, 32)
    assert np.abs(from_proxy.astype(int) - from_source).mean() < 4.0
    # larger than the proxy (360 lines): the source is read, never an upscaled proxy
    opened.clear()
    proxy_mod.ProxyReader = Spy
    try:
        export_dataset(proj, ExportSettings((400, 64), from_proxy=True))
    finally:
        proxy_mod.ProxyReader = proxy_mod_reader
    assert opened == []


def test_cli_export_from_proxy(proj, tmp_path, capsys):
    from trailer_gui.cli import main

    proj.add_video(write_h264(tmp_path / "v.mp4", frames=12))
    assert main(["export", str(proj.folder), "--size", "16", "--from-proxy"]) == 0
    assert (proj.folder / "dataset" / "scene_0.npy").is_file()


def test_remove_proxy_deletes_the_proxy_and_its_thumbnails(proj, tmp_path):
    from trailer_gui.core.proxy import remove_proxy
    from trailer_gui.core.thumbcache import ThumbCache

    video = proj.add_video(write_h264(tmp_path / "v.mp4", frames=10))
    cache = ThumbCache(proj.folder, video.id, video.fingerprint)
    cache.put(3, 24, pattern(3, 24, 32))
    assert read_index(cache.get(3, 24)) == 3
    remove_proxy(proj.folder, video.id)
    assert proxy_state(proj.folder, video).state == "missing"
    assert cache.get(3, 24) is None and not cache.dir.exists()


def test_thumbnails_of_a_changed_video_are_never_shown(proj, tmp_path):
    from trailer_gui.core.thumbcache import ThumbCache

    old = ThumbCache(proj.folder, 0, "v1:old")
    old.put(1, 24, pattern(1, 24, 32))
    new = ThumbCache(proj.folder, 0, "v1:new")
    assert new.get(1, 24) is None
    new.put(2, 24, pattern(2, 24, 32))
    assert not old.dir.exists() and read_index(new.get(2, 24)) == 2
