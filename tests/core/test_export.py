"""Exporting the seed's training files: shapes, content, streaming, incremental, atomic."""

import json
import tracemalloc

import cv2
import numpy as np
import pytest

from trailer_gui.core.errors import Cancelled, TrailerError
from trailer_gui.core.downscale import area_shrink
from trailer_gui.core.export import ExportSettings, export_dataset, parse_size
from trailer_gui.core.progress import Progress

from .conftest import write_mp4v


def decode_all(path):
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            return frames
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))


def labelled(proj):
    labels = np.zeros((30, 6), bool)
    labels[5:15, 1] = True
    labels[10:30, 4] = True
    proj.save_labels(0, labels)
    return labels


def test_export_writes_the_seed_format(project_with_videos):
    proj = project_with_videos
    labels = labelled(proj)
    report = export_dataset(proj, ExportSettings(size=(16, 24), stride=2))
    assert sorted(report.written) == [0, 1]
    out = proj.folder / "dataset"
    scene = np.load(out / "scene_0.npy", allow_pickle=False)
    cat = np.load(out / "category_0.npy", allow_pickle=False)
    assert scene.shape == (15, 3, 16, 24) and scene.dtype == np.uint8
    assert cat.shape == (6, 1, 15, 1) and cat.dtype == np.float32
    assert np.array_equal(cat[:, 0, :, 0].T.astype(bool), labels[::2])
    # pixels are the decoded source frames, shrunk by area averaging, channels first
    source = decode_all(proj.video(0).path)
    for k in (0, 7, 14):
        want = area_shrink(source[2 * k], 16, 24)
        assert np.array_equal(scene[k].transpose(1, 2, 0), want)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["genres"] == proj.genre_names()
    assert manifest["size"] == [16, 24] and manifest["stride"] == 2
    entry = manifest["trailers"][0]
    assert entry["frames"] == 15 and entry["source_frames"] == 30 and entry["labelled"]
    assert manifest["trailers"][1]["labelled"] is False
    assert entry["video"] == "videos/a.mp4"


def test_the_seeds_own_loader_reads_the_export(project_with_videos, monkeypatch):
    proj = project_with_videos
    labelled(proj)
    export_dataset(proj, ExportSettings(size=(12, 12)))
    monkeypatch.chdir(proj.folder)

    def generate_arrays(available_ids):  # the seed's generator, verbatim but for the endless loop
        for i in available_ids:
            scene = np.load("dataset/scene_{}.npy".format(i))
            category = np.load("dataset/category_{}.npy".format(i))
            yield (np.array([scene]), category)

    (x0, y0), (x1, y1) = generate_arrays([0, 1])
    assert x0.shape == (1, 30, 3, 12, 12) and y0.shape == (6, 1, 30, 1)
    assert x1.shape == (1, 20, 3, 12, 12) and y1.shape == (6, 1, 20, 1)


def test_export_is_incremental(project_with_videos):
    proj = project_with_videos
    labels = labelled(proj)
    settings = ExportSettings(size=(8, 8))
    export_dataset(proj, settings)
    out = proj.folder / "dataset"
    scene_mtime = (out / "scene_0.npy").stat().st_mtime_ns
    again = export_dataset(proj, settings)
    assert again.skipped == [0, 1] and not again.written
    labels[0:3, 0] = True
    proj.save_labels(0, labels)
    third = export_dataset(proj, settings)
    assert third.relabelled == [0] and third.skipped == [1]
    assert (out / "scene_0.npy").stat().st_mtime_ns == scene_mtime
    assert np.load(out / "category_0.npy")[0, 0, :3, 0].tolist() == [1, 1, 1]
    # other settings: everything is written again, stale files go
    fourth = export_dataset(proj, ExportSettings(size=(8, 8), stride=3), ids=[1])
    assert fourth.written == [1]
    assert not (out / "scene_0.npy").exists()
    assert [t["id"] for t in json.loads((out / "manifest.json").read_text())["trailers"]] == [1]


def test_a_deleted_export_file_is_written_again(project_with_videos):
    proj = project_with_videos
    export_dataset(proj, ExportSettings(size=(8, 8)))
    (proj.folder / "dataset" / "scene_1.npy").unlink()
    report = export_dataset(proj, ExportSettings(size=(8, 8)))
    assert report.written == [1] and report.skipped == [0]


def test_cancel_leaves_no_half_written_file(project_with_videos):
    proj = project_with_videos
    progress = Progress()
    seen = []

    def listener(done, total, stage):
        seen.append(done)
        if done >= 16:  # part-way through the first trailer
            progress.cancel()

    progress = Progress(listener)
    with pytest.raises(Cancelled):
        export_dataset(proj, ExportSettings(size=(8, 8)), progress=progress)
    out = proj.folder / "dataset"
    assert not list(out.glob("scene_*.npy")) and not list(out.glob("category_*.npy"))
    assert not list(out.glob(".*")), "temporary files left behind"
    assert seen and seen[0] == 0


def test_cancel_keeps_trailers_already_finished(project_with_videos):
    proj = project_with_videos

    def listener(done, total, stage):
        if done > 30:  # the first trailer (30 frames) is finished
            progress.cancel()

    progress = Progress(listener)
    with pytest.raises(Cancelled):
        export_dataset(proj, ExportSettings(size=(8, 8)), progress=progress)
    out = proj.folder / "dataset"
    assert (out / "scene_0.npy").is_file() and not (out / "scene_1.npy").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert [t["id"] for t in manifest["trailers"]] == [0]
    assert export_dataset(proj, ExportSettings(size=(8, 8))).written == [1]


def test_a_replaced_video_is_left_out_with_a_warning_and_the_rest_exported(project_with_videos):
    proj = project_with_videos
    write_mp4v(proj.video(1).path, frames=25)
    heard = []
    report = export_dataset(proj, ExportSettings(size=(8, 8)), warn=heard.append)
    assert report.written == [0] and report.left_out == [1]
    assert len(heard) == 1 and "video 1" in heard[0] and "b.mp4" in heard[0] and "changed" in heard[0]
    assert "1 left out" in report.summary()
    out = proj.folder / "dataset"
    assert sorted(p.name for p in out.glob("*.npy")) == ["category_0.npy", "scene_0.npy"]
    assert [t["id"] for t in json.loads((out / "manifest.json").read_text())["trailers"]] == [0]


def test_unknown_ids_are_refused(project_with_videos):
    with pytest.raises(TrailerError, match="no video with id 7"):
        export_dataset(project_with_videos, ids=[0, 7])


def test_parse_size():
    assert parse_size("64") == (64, 64)
    assert parse_size("48x64") == (48, 64)
    for bad in ("", "x", "3", "64x64x3", "big"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_peak_memory_does_not_grow_with_trailer_length(tmp_path):
    from trailer_gui.core.store import Project

    peaks = []
    for frames in (40, 160):
        proj = Project.create(tmp_path / f"p{frames}")
        write_mp4v(proj.folder / "videos" / "v.mp4", frames=frames, size=(96, 128))
        proj.add_video(proj.folder / "videos" / "v.mp4")
        tracemalloc.start()
        export_dataset(proj, ExportSettings(size=(64, 64)))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    scene_bytes_long = 160 * 3 * 64 * 64
    assert peaks[1] < peaks[0] * 1.5 + 200_000, peaks
    assert peaks[1] < scene_bytes_long, "the scene was held in memory"


def test_the_manifest_names_each_trailers_shot_cuts_in_exported_frames(project_with_videos):
    """Prediction restarts the recurrent state at shot cuts; the model package reads only
    the dataset folder, so the export writes them there (as exported frame numbers)."""
    from trailer_gui.core.export import exported_cuts

    proj = project_with_videos
    assert exported_cuts([7, 8, 9, 21], stride=3, frames=10) == [3, 7]  # 7, 8, 9 -> 3; 21 -> 7
    assert exported_cuts(None, 1, 10) == [] and exported_cuts([0, 10], 1, 10) == []
    proj.set_cuts(0, [10, 20])
    settings = ExportSettings(size=(8, 8), stride=2)
    export_dataset(proj, settings)
    out = proj.folder / "dataset"
    trailers = {t["id"]: t for t in json.loads((out / "manifest.json").read_text())["trailers"]}
    assert trailers[0]["cuts"] == [5, 10]
    # cuts found later reach the manifest without re-exporting the frames
    proj.set_cuts(1, [4])
    again = export_dataset(proj, settings)
    assert again.skipped == [0, 1]
    trailers = {t["id"]: t for t in json.loads((out / "manifest.json").read_text())["trailers"]}
    assert trailers[1]["cuts"] == [2]
