"""The project store keeps labels safe: transactions, reopening, a process killed mid-write."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from trailer_gui.core.errors import ProjectError, VideoChanged, VideoMissing
from trailer_gui.core.genres import Genre
from trailer_gui.core.store import DB_NAME, SCHEMA_VERSION, Project

from .conftest import write_mp4v


def test_new_project_has_folders_and_default_genres(project):
    for sub in ("dataset", "models", "predictions"):
        assert (project.folder / sub).is_dir()
    assert project.genre_names() == ["comedy", "action", "horror", "thriller", "musical", "other"]
    assert [g.key for g in project.genres()] == list("123456")
    mode = project.db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert project.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert project.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_creating_twice_is_refused(project):
    with pytest.raises(ProjectError, match="already exists"):
        Project.create(project.folder)


def test_opening_a_folder_that_is_not_a_project(tmp_path):
    with pytest.raises(ProjectError, match="not a trailer-gui project"):
        Project.open(tmp_path)


def test_a_newer_schema_is_refused(project):
    project.db.execute("PRAGMA user_version = 99")
    project.close()
    with pytest.raises(ProjectError, match="newer"):
        Project.open(project.folder)


def test_a_corrupt_database_is_reported(tmp_path):
    (tmp_path / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ProjectError, match=DB_NAME):
        Project.open(tmp_path)


def test_videos_get_ids_from_zero_and_relative_paths(project_with_videos):
    proj = project_with_videos
    videos = proj.videos()
    assert [v.id for v in videos] == [0, 1]
    assert [v.frames for v in videos] == [30, 20]
    assert (videos[1].width, videos[1].height) == (72, 40)
    stored = proj.db.execute("SELECT path FROM videos ORDER BY id").fetchall()
    assert stored == [("videos/a.mp4",), ("videos/b.mp4",)]
    # the project folder can move: paths inside it are relative
    proj.close()
    moved = proj.folder.parent / "moved"
    proj.folder.rename(moved)
    again = Project.open(moved)
    assert again.video(0).path == moved / "videos" / "a.mp4"
    assert again.video(0).path.is_file()


def test_video_outside_project_keeps_absolute_path(project, small_video):
    v = project.add_video(small_video)
    assert v.path == small_video.resolve()


def test_replaced_or_missing_video_is_noticed(project_with_videos):
    proj = project_with_videos
    v = proj.video(0)
    proj.check_video(v)
    write_mp4v(v.path, frames=31)
    with pytest.raises(VideoChanged, match="a.mp4"):
        proj.check_video(v)
    v.path.unlink()
    with pytest.raises(VideoMissing, match="a.mp4"):
        proj.check_video(v)


def test_labels_round_trip_per_annotator(project_with_videos):
    proj = project_with_videos
    rng = np.random.default_rng(0)
    mine = rng.random((30, 6)) < 0.3
    theirs = rng.random((30, 6)) < 0.5
    proj.save_labels(0, mine, annotator="ann")
    proj.save_labels(0, theirs, annotator="bob")
    proj.close()
    again = Project.open(proj.folder)
    assert np.array_equal(again.load_labels(0, "ann"), mine)
    assert np.array_equal(again.load_labels(0, "bob"), theirs)
    assert not again.load_labels(1, "ann").any()
    assert again.annotators(0) == ["ann", "bob"]
    assert again.labelled_frames(0, "ann") == {g: int(mine[:, i].sum()) for i, g in enumerate(again.genre_names())}


def test_wrong_label_shape_is_refused(project_with_videos):
    with pytest.raises(ProjectError, match=r"\(30, 6\)"):
        project_with_videos.save_labels(0, np.zeros((29, 6), bool))


def test_genres_rename_add_remove_follow_labels(project_with_videos):
    proj = project_with_videos
    labels = np.zeros((30, 6), bool)
    labels[:10, 2] = True  # horror
    labels[5:, 5] = True  # other
    proj.save_labels(0, labels, "ann")
    proj.update_genre("horror", new_name="scary", color="#112233", key="h")
    assert proj.genre_names()[2] == "scary"
    assert np.array_equal(proj.load_labels(0, "ann"), labels)
    proj.add_genre(Genre("western", "#884400", "7"))
    assert proj.load_labels(0, "ann").shape == (30, 7)
    proj.remove_genre("scary")
    after = proj.load_labels(0, "ann")
    assert after.shape == (30, 6)
    assert np.array_equal(after[:, 4], labels[:, 5])  # 'other' moved one column left
    with pytest.raises(ProjectError):
        proj.remove_genre("scary")
    with pytest.raises(ValueError):
        Genre("Bad Name!", "#000000", "x")


def test_settings(project):
    project.set_setting("train.epochs", "5")
    assert project.setting("train.epochs") == "5"
    assert project.settings("train.") == {"train.epochs": "5"}
    project.set_setting("train.epochs", None)
    assert project.setting("train.epochs", "dflt") == "dflt"


WRITER = textwrap.dedent(
    """
    import sys, numpy as np
    from trailer_gui.core.store import Project
    proj = Project.open(sys.argv[1])
    i = 0
    print("ready", flush=True)
    while True:
        labels = np.zeros((30, 6), bool)
        labels[: (i % 30) + 1, i % 6] = True  # every committed state is one of these
        proj.save_labels(0, labels, "ann")
        i += 1
    """
)


def test_process_killed_mid_write_leaves_last_committed_labels(project_with_videos):
    proj = project_with_videos
    proj.close()
    valid = set()
    for i in range(180):
        labels = np.zeros((30, 6), bool)
        labels[: (i % 30) + 1, i % 6] = True
        valid.add(labels.tobytes())
    for delay in (0.3, 0.55, 0.8):
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(proj.folder)], stdout=subprocess.PIPE)
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        again = Project.open(proj.folder)
        got = again.load_labels(0, "ann")
        assert got.tobytes() in valid
        assert again.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        again.close()
