"""Videos that move: relink keeps every label, another length is refused with both counts,
remove keeps a backup, the same file is never added twice."""

import json
import shutil
import sqlite3

import numpy as np
import pytest

from trailer_gui.cli import main
from trailer_gui.core import runs
from trailer_gui.core.store import Project

from .conftest import write_mp4v


@pytest.fixture
def labelled(tmp_path):
    """A project of two videos (30 and 20 frames) outside its folder; video 0 labelled by
    'ann' (action 5..15) and 'bob' (horror 0..30)."""
    a = write_mp4v(tmp_path / "a.mp4", frames=30)
    b = write_mp4v(tmp_path / "b.mp4", frames=20, size=(40, 72))
    proj = tmp_path / "proj"
    assert main(["new", str(proj), str(a), str(b)]) == 0
    with Project.open(proj) as p:
        ann = np.zeros((30, 6), bool)
        ann[5:15, 1] = True
        bob = np.zeros((30, 6), bool)
        bob[:, 2] = True
        p.save_labels(0, ann, "ann")
        p.save_labels(0, bob, "bob")
    return proj


def labels_of(proj, vid=0, who="ann"):
    with Project.open(proj) as p:
        return p.load_labels(vid, who)


def test_a_moved_video_is_left_out_of_the_export_then_relinked_with_every_label(labelled, tmp_path, capsys):
    before = {who: labels_of(labelled, 0, who) for who in ("ann", "bob")}
    moved = tmp_path / "elsewhere" / "a-renamed.mp4"
    moved.parent.mkdir()
    shutil.move(tmp_path / "a.mp4", moved)
    capsys.readouterr()
    assert main(["export", str(labelled), "--size", "8", "--annotator", "ann"]) == 0
    err = capsys.readouterr().err
    assert "warning: video 0 left out of the export" in err and "a.mp4: file not found" in err
    manifest = json.loads((labelled / "dataset" / "manifest.json").read_text())
    assert [t["id"] for t in manifest["trailers"]] == [1]

    assert main(["relink", str(labelled), "0", str(moved)]) == 0
    assert "labels kept" in capsys.readouterr().out
    with Project.open(labelled) as p:
        assert p.video(0).path == moved.resolve()
        p.check_video(p.video(0))  # path and fingerprint now match
        assert p.cuts(0) is not None
    for who, labels in before.items():
        assert np.array_equal(labels_of(labelled, 0, who), labels)
    assert main(["export", str(labelled), "--size", "8", "--annotator", "ann"]) == 0
    assert np.load(labelled / "dataset" / "category_0.npy")[1, 0, 5:15, 0].all()


def test_a_replacement_of_another_length_is_refused_with_both_counts(labelled, tmp_path, capsys):
    write_mp4v(tmp_path / "a.mp4", frames=25)  # the file was replaced by a shorter cut
    capsys.readouterr()
    assert main(["relink", str(labelled), "0", str(tmp_path / "a.mp4")]) == 1
    err = capsys.readouterr().err
    assert "25 frames" in err and "has 30" in err and "--force" in err and err.count("\n") == 1
    assert labels_of(labelled)[5:15, 1].all() and labels_of(labelled).shape == (30, 6)

    assert main(["relink", str(labelled), "0", str(tmp_path / "a.mp4"), "--force"]) == 0
    out = capsys.readouterr().out
    assert "labels fitted from 30 frames" in out
    cut = labels_of(labelled, 0, "bob")
    assert cut.shape == (25, 6) and cut[:, 2].all()
    backup = next((labelled / "backups").glob("*relink-0*.sqlite"))
    db = sqlite3.connect(backup)
    frames, blob = db.execute("SELECT frames, segments FROM labels WHERE annotator = 'bob' AND genre = 'horror'").fetchone()
    assert frames == 30 and runs.unpack(blob, 30).all()  # the backup keeps all 30 frames
    db.close()


def test_a_longer_replacement_forced_pads_with_unlabelled_frames(labelled, tmp_path):
    write_mp4v(tmp_path / "a.mp4", frames=36)
    assert main(["relink", str(labelled), "0", str(tmp_path / "a.mp4"), "--force"]) == 0
    labels = labels_of(labelled)
    assert labels.shape == (36, 6) and labels[5:15, 1].all() and labels.sum() == 10


def test_relink_to_another_trailers_file_is_refused(labelled, tmp_path, capsys):
    capsys.readouterr()
    assert main(["relink", str(labelled), "0", str(tmp_path / "b.mp4")]) == 1
    assert "already in the project as video 1" in capsys.readouterr().err


def test_remove_keeps_the_labels_in_a_backup_and_drops_exports_and_predictions(labelled, capsys):
    assert main(["export", str(labelled), "--size", "8", "--annotator", "ann"]) == 0
    preds = labelled / "predictions"
    (preds / "run1").mkdir(parents=True)
    for folder in (preds, preds / "run1"):
        np.save(folder / "pred_0.npy", np.zeros((30, 6), np.float32))
        np.save(folder / "labels_0.npy", np.zeros((30, 6), np.float32))  # decoded segments
        (folder / "pred_0.json").write_text('{"run": "run1"}')
    capsys.readouterr()
    assert main(["remove", str(labelled), "0"]) == 0
    out = capsys.readouterr().out
    assert "removed video 0 (a.mp4)" in out and "ann: 10" in out and "bob: 30" in out and "backups" in out
    with Project.open(labelled) as p:
        assert [v.id for v in p.videos()] == [1]
        assert p.annotators(0) == []
    dataset = labelled / "dataset"
    assert not (dataset / "scene_0.npy").exists() and not (dataset / "category_0.npy").exists()
    assert [t["id"] for t in json.loads((dataset / "manifest.json").read_text())["trailers"]] == [1]
    assert not list(preds.rglob("pred_0.*")) and not list(preds.rglob("labels_0.*"))
    assert not list((labelled / "proxies").glob("0.*"))  # its proxy went too; 1's stays
    assert list((labelled / "proxies").glob("1.*"))
    backup = next((labelled / "backups").glob("*remove-0*.sqlite"))
    restored = labelled.parent / "restored"  # the backup opens as the project it was
    restored.mkdir()
    shutil.copy(backup, restored / "project.sqlite")
    with Project.open(restored) as old:
        assert old.load_labels(0, "ann")[5:15, 1].all()


def test_the_same_file_is_never_added_twice(labelled, tmp_path, capsys):
    capsys.readouterr()
    assert main(["add", str(labelled), str(tmp_path / "b.mp4")]) == 1
    assert "already in the project (video 1)" in capsys.readouterr().err
    # moved, then added again instead of relinked: refused, pointing at relink
    moved = tmp_path / "moved.mp4"
    shutil.move(tmp_path / "a.mp4", moved)
    assert main(["add", str(labelled), str(moved)]) == 1
    err = capsys.readouterr().err
    assert "the same file as video 0 (a.mp4)" in err and "relink" in err
    # a copy (new modification time) is the same file too
    shutil.copy(tmp_path / "b.mp4", tmp_path / "b-copy.mp4")
    assert main(["add", str(labelled), str(tmp_path / "b-copy.mp4")]) == 1
    with Project.open(labelled) as p:
        assert len(p.videos()) == 2


def test_the_app_refuses_duplicates_with_the_same_check(labelled, tmp_path):
    from trailer_gui.core.progress import Progress
    from trailer_gui.services.project_jobs import add_videos

    shutil.copy(tmp_path / "a.mp4", tmp_path / "a-copy.mp4")
    result = add_videos(Progress(), labelled, [str(tmp_path / "a-copy.mp4"), str(tmp_path / "b.mp4")])
    assert result.added == []
    assert [r for _p, r in result.refused] == ["the same file as video 0 (a.mp4)",
                                               "already in the project (video 1)"]


def test_trailer_add_and_the_app_refuse_with_the_same_reasons(labelled, tmp_path, capsys):
    """One rule for adding videos (services.project_jobs.add_to_project): the same files are
    refused with the same reasons by `trailer add` and by the app's job."""
    from trailer_gui.core.progress import Progress
    from trailer_gui.services.project_jobs import add_videos

    (tmp_path / "notes.mp4").write_text("not a video at all")
    shutil.copy(tmp_path / "a.mp4", tmp_path / "a-copy.mp4")
    paths = [str(tmp_path / "notes.mp4"), str(tmp_path / "a-copy.mp4"), str(tmp_path / "nowhere.mp4")]
    job = add_videos(Progress(), labelled, paths)
    capsys.readouterr()
    assert main(["add", str(labelled), *paths]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert job.added == [] and [p for p, _ in job.refused] == paths
    assert err == [f"trailer: skipped {p}: {why}" for p, why in job.refused]
    with Project.open(labelled) as p:
        assert len(p.videos()) == 2


def test_a_reencoded_video_of_the_same_length_keeps_labels_and_gets_new_cuts(labelled, tmp_path):
    with Project.open(labelled) as p:
        p.set_cuts(0, [10], "manual")
    write_mp4v(tmp_path / "a.mp4", frames=30, size=(24, 32))  # same length, other content
    assert main(["relink", str(labelled), "0", str(tmp_path / "a.mp4")]) == 0
    with Project.open(labelled) as p:
        assert p.cuts_detector(0) != "manual" and p.video(0).width == 32
    assert labels_of(labelled)[5:15, 1].all()


def test_info_marks_a_missing_video(labelled, tmp_path, capsys):
    (tmp_path / "b.mp4").unlink()
    capsys.readouterr()
    assert main(["info", str(labelled)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "FILE NOT FOUND: trailer relink" in lines[-1] and "b.mp4" in lines[-1]
    assert "FILE NOT FOUND" not in lines[-2]
    assert main(["info", str(labelled), "--json"]) == 0
    videos = json.loads(capsys.readouterr().out)["videos"]
    assert [v["problem"] for v in videos] == ["", "file not found"]


def test_an_unexpected_error_is_still_one_line(labelled, tmp_path, capsys, monkeypatch):
    import trailer_gui.core.relink as relink

    def broken(*args, **kwargs):
        raise RuntimeError("something deep\nin a library")

    monkeypatch.setattr(relink, "relink_video", broken)
    capsys.readouterr()
    assert main(["relink", str(labelled), "0", str(tmp_path / "a.mp4")]) == 1
    err = capsys.readouterr().err
    assert err == "trailer: RuntimeError: something deep in a library (`trailer --debug ...` shows where)\n"


def test_without_a_backup_nothing_is_removed_or_cleared(labelled, capsys):
    (labelled / "backups").write_text("a file where the backup folder should be")
    capsys.readouterr()
    assert main(["remove", str(labelled), "0"]) == 1
    err = capsys.readouterr().err
    assert "cannot write a backup before changing labels" in err and err.count("\n") == 1
    assert main(["labels", "clear", str(labelled), "0", "--annotator", "ann"]) == 1
    with Project.open(labelled) as p:
        assert [v.id for v in p.videos()] == [0, 1]
    assert labels_of(labelled)[5:15, 1].all()
