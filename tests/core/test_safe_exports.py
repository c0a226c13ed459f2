"""Exports never destroy: a full disk is a message (not a Bus error), earlier export files
stay until their replacements are complete, no temporary file is left, and the manifest
lists only files that exist."""

import errno
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest

from trailer_gui.core.errors import DatasetError
from trailer_gui.core.export import ExportSettings, export_dataset
from trailer_gui.core.progress import Progress

from .conftest import write_mp4v


def listed_files_exist_and_fit(out: Path) -> dict:
    """Every trailer the manifest lists (and its pending part) has both files, shaped as the
    manifest says. Returns the manifest."""
    manifest = json.loads((out / "manifest.json").read_text())
    for part in (manifest, manifest.get("pending") or {"trailers": []}):
        for t in part["trailers"]:
            scene = np.load(out / f"scene_{t['id']}.npy", mmap_mode="r")
            category = np.load(out / f"category_{t['id']}.npy")
            assert scene.shape == (t["frames"], 3, *part["size"]), t
            assert category.shape == (len(part["genres"]), 1, t["frames"], 1)
    return manifest


def no_temporary_files(out: Path) -> bool:
    return not [p.name for p in out.iterdir() if p.name.startswith(".")]


def fail_reservation_for(monkeypatch, name: str):
    """os.posix_fallocate as on a full disk, for temporary files of export target `name`."""
    real = os.posix_fallocate

    def fallocate(fd, offset, length):
        if name in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, offset, length)

    monkeypatch.setattr(os, "posix_fallocate", fallocate)


def test_a_full_disk_is_a_message_naming_the_file_and_the_rest_is_kept(project_with_videos, monkeypatch):
    proj = project_with_videos
    fail_reservation_for(monkeypatch, "scene_1.npy")
    with pytest.raises(DatasetError) as caught:
        export_dataset(proj, ExportSettings(size=(16, 16)))
    message = str(caught.value)
    assert "scene_1.npy" in message and "not enough disk space" in message
    assert f"{20 * 3 * 16 * 16 / 1e6:.1f} MB needed" in message and "\n" not in message
    out = proj.folder / "dataset"
    assert no_temporary_files(out)
    manifest = listed_files_exist_and_fit(out)
    assert [t["id"] for t in manifest["trailers"]] == [0]  # the finished trailer is kept
    monkeypatch.undo()
    assert export_dataset(proj, ExportSettings(size=(16, 16))).written == [1]


def test_exporting_at_a_new_size_keeps_the_old_export_until_the_new_one_is_complete(
        project_with_videos, monkeypatch):
    proj = project_with_videos
    labels = np.zeros((30, 6), bool)
    labels[3:9, 2] = True
    proj.save_labels(0, labels)
    export_dataset(proj, ExportSettings(size=(8, 8)))
    out = proj.folder / "dataset"
    old_scene_1 = np.load(out / "scene_1.npy")

    fail_reservation_for(monkeypatch, "scene_1.npy")
    with pytest.raises(DatasetError, match="scene_1.npy"):
        export_dataset(proj, ExportSettings(size=(16, 16)))
    assert no_temporary_files(out)
    # trailer 1 still has its 8x8 export, listed as before; trailer 0's finished 16x16
    # export is listed as pending for the next export at that size
    manifest = listed_files_exist_and_fit(out)
    assert manifest["size"] == [8, 8] and [t["id"] for t in manifest["trailers"]] == [1]
    assert manifest["pending"]["size"] == [16, 16] and [t["id"] for t in manifest["pending"]["trailers"]] == [0]
    assert np.array_equal(np.load(out / "scene_1.npy"), old_scene_1)

    # training code reading the manifest sees a consistent 8x8 dataset
    from model.data import read_manifest

    assert [e["id"] for e in read_manifest(out)["trailers"]] == [1]

    monkeypatch.undo()
    again = export_dataset(proj, ExportSettings(size=(16, 16)))
    assert again.skipped == [0] and again.written == [1]  # continues where it stopped
    manifest = listed_files_exist_and_fit(out)
    assert manifest["size"] == [16, 16] and "pending" not in manifest
    assert [t["id"] for t in manifest["trailers"]] == [0, 1]
    assert np.load(out / "category_0.npy")[2, 0, 3:9, 0].all()


def test_an_interrupt_mid_scene_leaves_the_old_files_and_no_part_file(project_with_videos):
    proj = project_with_videos
    export_dataset(proj, ExportSettings(size=(8, 8)))
    out = proj.folder / "dataset"
    before = {p.name: p.read_bytes() for p in out.glob("*.npy")}

    def listener(done, total, stage):
        if done >= 16:
            raise KeyboardInterrupt  # Ctrl+C in the terminal

    with pytest.raises(KeyboardInterrupt):
        export_dataset(proj, ExportSettings(size=(12, 12)), progress=Progress(listener))
    assert no_temporary_files(out)
    assert {p.name: p.read_bytes() for p in out.glob("*.npy")} == before
    assert listed_files_exist_and_fit(out)["size"] == [8, 8]


def test_the_manifest_never_lists_a_deleted_file(project_with_videos):
    proj = project_with_videos
    export_dataset(proj, ExportSettings(size=(8, 8)))
    out = proj.folder / "dataset"
    (out / "category_1.npy").unlink()  # by hand, or a crash between files
    export_dataset(proj, ExportSettings(size=(8, 8)), ids=[0])
    assert [t["id"] for t in listed_files_exist_and_fit(out)["trailers"]] == [0]


def test_trailer_export_uses_the_projects_size_and_stride(tmp_path):
    from trailer_gui.cli import main

    video = write_mp4v(tmp_path / "a.mp4", frames=12)
    proj = tmp_path / "proj"
    assert main(["new", str(proj), str(video)]) == 0
    assert main(["config", str(proj), "size=8x12", "stride=3"]) == 0
    assert main(["export", str(proj)]) == 0
    assert np.load(proj / "dataset" / "scene_0.npy").shape == (4, 3, 8, 12)
    assert main(["export", str(proj), "--size", "6"]) == 0  # an explicit size still wins
    assert np.load(proj / "dataset" / "scene_0.npy").shape == (4, 3, 6, 6)


@pytest.fixture
def small_disk(tmp_path):
    """A real 2 MB file system (tmpfs), where this process may mount one (root on Linux)."""
    where = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    where.mkdir()
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root on Linux")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount not permitted here: {done.stderr.strip()}")
    yield where
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_a_really_full_disk_ends_the_cli_with_a_message_not_a_bus_error(small_disk, tmp_path):
    video = write_mp4v(tmp_path / "a.mp4", frames=30)
    proj = small_disk / "proj"

    def trailer(*args):
        return subprocess.run([sys.executable, "-m", "trailer_gui.cli", *map(str, args)],
                              capture_output=True, text=True, timeout=120)

    assert trailer("new", proj, video).returncode == 0
    assert trailer("export", proj, "--size", "8").returncode == 0
    out = proj / "dataset"
    before = {p.name: p.read_bytes() for p in out.glob("*.npy")}
    # 30 frames of 3x256x256 need 5.9 MB: more than the disk holds
    done = trailer("export", proj, "--size", "256")
    assert done.returncode == 1, (done.returncode, done.stderr)  # a Bus error would be 135 / -7
    assert "scene_0.npy: not enough disk space" in done.stderr and "5.9 MB needed" in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert no_temporary_files(out)
    assert {p.name: p.read_bytes() for p in out.glob("*.npy")} == before
    assert listed_files_exist_and_fit(out)["size"] == [8, 8]
    # the disk is not left full: a small export still works
    assert trailer("export", proj, "--size", "16").returncode == 0


@pytest.mark.parametrize("seed", range(10))
def test_random_full_disks_during_random_exports_never_break_the_dataset(tmp_path, monkeypatch, seed):
    """Exports at changing sizes/strides, with labels edited between them and a full disk at
    a random write (a scene's reservation, a category file half-written, the manifest):
    after each, no temporary file, and every listed file exists with the listed shape; a
    last export without faults lists every trailer with its current labels."""
    import random

    from trailer_gui.core import safe_files as E
    from trailer_gui.core.store import Project

    rng = random.Random(seed)
    proj = Project.create(tmp_path / "proj")
    for i, frames in enumerate((14, 9, 11)):
        proj.add_video(write_mp4v(tmp_path / f"v{i}.mp4", frames=frames, size=(24, 32)))
    out = proj.folder / "dataset"
    real_fallocate, real_save, real_write = os.posix_fallocate, np.save, E.atomic_write_bytes
    for _ in range(5):
        for v in proj.videos():  # the annotator keeps working between exports
            labels = np.random.default_rng(rng.randrange(2**32)).random((v.frames, 6)) < 0.3
            proj.save_labels(v.id, labels)
        calls = {"n": 0}
        fail_at = rng.randrange(1, 12)

        def full(*_a):
            calls["n"] += 1
            return calls["n"] == fail_at

        def fallocate(fd, offset, length):
            if full():
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_fallocate(fd, offset, length)

        def save(file, arr, **kw):
            if full():
                file.write(b"\x93NUMPY half")
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_save(file, arr, **kw)

        def write(path, data):
            if full():
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_write(path, data)

        monkeypatch.setattr(os, "posix_fallocate", fallocate)
        monkeypatch.setattr(np, "save", save)
        monkeypatch.setattr(E, "atomic_write_bytes", write)
        settings = ExportSettings(size=rng.choice([(8, 8), (12, 12)]), stride=rng.choice([1, 2]))
        try:
            export_dataset(proj, settings)
        except DatasetError as exc:
            assert "not enough disk space" in str(exc)
        finally:
            monkeypatch.undo()
        assert no_temporary_files(out)
        if (out / "manifest.json").exists():  # (a first export can fail before writing one)
            listed_files_exist_and_fit(out)

    settings = ExportSettings(size=(8, 8), stride=2)
    export_dataset(proj, settings)
    manifest = listed_files_exist_and_fit(out)
    assert [t["id"] for t in manifest["trailers"]] == [0, 1, 2] and "pending" not in manifest
    for v in proj.videos():
        category = np.load(out / f"category_{v.id}.npy")[:, 0, :, 0].T.astype(bool)
        assert np.array_equal(category, proj.load_labels(v.id)[::2])
    assert sorted(p.name for p in out.glob("*.npy")) == sorted(
        f"{kind}_{i}.npy" for kind in ("scene", "category") for i in range(3))
