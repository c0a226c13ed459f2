"""A damaged, empty or read-only store never loses labels: backups, check and restore (#10)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from trailer_gui.cli import main
from trailer_gui.core import backup
from trailer_gui.core.errors import DamagedProject, ProjectError, ReadOnlyProject
from trailer_gui.core.store import DB_NAME, Project

from .conftest import write_mp4v


def run(*args):
    out = subprocess.run([sys.executable, "-m", "trailer_gui.cli", *map(str, args)],
                         capture_output=True, text=True, timeout=120)
    return out.returncode, out.stdout, out.stderr


@pytest.fixture
def labelled(tmp_path):
    """A closed project: one 30-frame video with action on frames 5..19, and one backup."""
    proj = Project.create(tmp_path / "proj")
    write_mp4v(proj.folder / "videos" / "a.mp4", frames=30)
    video = proj.add_video(proj.folder / "videos" / "a.mp4")
    labels = np.zeros((30, 6), bool)
    labels[5:20, 1] = True
    proj.save_labels(video.id, labels)
    for i in range(40):  # some pages, so "the middle" holds b-tree pages
        proj.set_setting(f"note.{i}", "x" * 200)
    proj.close()
    backup.take_backup(proj.folder)
    return proj.folder, labels


def damage(db, seed=0):
    """Overwrite 8 KiB in the middle of the file with garbage, as a bad disk or sync would."""
    data = bytearray(db.read_bytes())
    mid = len(data) // 2 // 4096 * 4096
    data[mid:mid + 8192] = np.random.default_rng(seed).integers(0, 256, 8192, np.uint8).tobytes()
    db.write_bytes(bytes(data))


def snapshot(path):
    st = path.stat()
    return path.read_bytes(), st.st_mtime_ns, st.st_size


@pytest.mark.parametrize("kind", ["garbage", "empty", "not sqlite"])
def test_a_damaged_or_empty_store_is_refused_and_never_rewritten(labelled, kind):
    folder, _ = labelled
    db = folder / DB_NAME
    if kind == "garbage":
        damage(db)
    elif kind == "empty":
        db.write_bytes(b"")
    else:
        db.write_text("my shopping list\n" * 100)
    before = snapshot(db)
    good = backup.list_backups(folder)[0].path

    with pytest.raises(DamagedProject) as info:
        Project.open(folder)
    exc = info.value
    assert exc.path == db and exc.backup == good
    text = str(exc)
    assert str(db) in text and f"backups/{good.name}" in text and "trailer restore" in text
    assert "\n" not in text
    # Nothing created, migrated or backed up: the file and the backups are as they were.
    assert snapshot(db) == before
    with pytest.raises(DamagedProject):
        backup.take_backup(folder)
    assert [b.path for b in backup.list_backups(folder)] == [good]


def test_cli_names_the_file_and_the_backup_in_one_line(labelled):
    folder, _ = labelled
    db = folder / DB_NAME
    db.write_bytes(b"")  # the 0-byte store `trailer info` used to rewrite as an empty project
    before = snapshot(db)
    code, out, err = run("info", folder)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(db) in err and "empty" in err and "backups/project-" in err
    assert f"trailer restore {folder}" in err
    assert snapshot(db) == before

    damage_folder = folder.parent / "copy"
    shutil.copytree(folder, damage_folder)
    damage(damage_folder / DB_NAME)
    code, out, err = run("labels", "export", damage_folder, 0, folder.parent / "out.csv")
    assert code == 1 and err.count("\n") == 1 and "damaged" in err and "Traceback" not in err
    assert not (folder.parent / "out.csv").exists()


def test_restore_brings_the_labels_back_and_keeps_the_damaged_file(labelled, capsys):
    folder, labels = labelled
    db = folder / DB_NAME
    damage(db)
    (folder / f"{DB_NAME}-wal").write_bytes(b"wal of the damaged store")
    damaged = db.read_bytes()

    assert main(["restore", str(folder)]) == 0
    err = capsys.readouterr().err
    aside = sorted(folder.glob(f"{DB_NAME}.damaged-*"))
    assert [p.name.endswith("-wal") for p in aside].count(True) == 1
    main_aside = next(p for p in aside if not p.name.endswith("-wal"))
    assert main_aside.read_bytes() == damaged and str(main_aside) in err
    # The damaged store's WAL went with it: none is replayed into the restored store.
    assert (folder / f"{main_aside.name}-wal").read_bytes() == b"wal of the damaged store"
    assert not (folder / f"{DB_NAME}-wal").exists() or (folder / f"{DB_NAME}-wal").stat().st_size == 0

    with Project.open(folder) as proj:
        assert np.array_equal(proj.load_labels(0), labels)
        assert proj.setting("note.39") == "x" * 200
    assert main(["check", str(folder)]) == 0


def test_restore_a_named_backup_and_refuse_a_bad_one(labelled, capsys):
    folder, labels = labelled
    first = backup.list_backups(folder)[0].path
    with Project.open(folder) as proj:
        proj.save_labels(0, np.zeros_like(labels))  # a mistake the user wants undone
    assert backup.take_backup(folder).created
    newest = backup.list_backups(folder)[0].path
    assert newest != first

    rotten = folder / "backups" / "project-2000-01-01T00-00-00.000Z.sqlite"
    rotten.write_bytes(b"SQLite format 3\x00" + b"\x00" * 5000)
    before = snapshot(folder / DB_NAME)
    assert main(["restore", str(folder), rotten.name]) == 1
    assert "not a good backup" in capsys.readouterr().err
    assert snapshot(folder / DB_NAME) == before and not list(folder.glob("*.replaced-*"))

    in_app = Project.open(folder)  # the app has it open: its saves would go astray
    in_app.load_labels(0)
    assert main(["restore", str(folder), first.name]) == 1
    assert "open in another program" in capsys.readouterr().err
    assert snapshot(folder / DB_NAME)[0] == before[0]
    in_app.close()

    assert main(["restore", str(folder), first.name]) == 0
    assert list(folder.glob(f"{DB_NAME}.replaced-*"))  # the healthy file is kept, not deleted
    with Project.open(folder) as proj:
        assert np.array_equal(proj.load_labels(0), labels)


def test_newest_good_backup_skips_a_rotten_one(labelled):
    folder, _ = labelled
    good = backup.list_backups(folder)[0].path
    with Project.open(folder) as proj:
        proj.set_setting("more", "1")
    newer = backup.take_backup(folder).path
    damage(newer)
    assert backup.newest_good_backup(folder) == good
    damage(folder / DB_NAME, seed=1)
    with pytest.raises(DamagedProject) as info:
        Project.open(folder)
    assert info.value.backup == good


def test_backups_rotate_to_keep_and_each_is_a_valid_store(labelled):
    folder, _ = labelled
    with Project.open(folder) as proj:
        for i in range(6):
            proj.set_setting("counter", str(i))
            result = backup.take_backup(folder, keep=4)
            assert result.created
    backups = backup.list_backups(folder)
    assert len(backups) == 4
    assert backups[0].path == result.path
    assert [b.time for b in backups] == sorted((b.time for b in backups), reverse=True)
    for b in backups:
        conn = sqlite3.connect(f"file:{b.path}?mode=ro", uri=True)
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file each
        conn.close()
    assert not [p for p in (folder / "backups").iterdir() if not p.name.endswith(".sqlite")]
    conn = sqlite3.connect(f"file:{backups[0].path}?mode=ro", uri=True)
    assert conn.execute("SELECT value FROM settings WHERE key='counter'").fetchone() == ("5",)
    conn.close()
    # Nothing changed: no new backup pushes an older one out.
    again = backup.take_backup(folder, keep=4)
    assert not again.created and again.path == backups[0].path
    assert backup.list_backups(folder) == backups
    # A killed backup's leftovers go once they are old; a running one's stay.
    old_part = folder / "backups" / ".project-1-2.sqlite.part"
    new_part = folder / "backups" / ".project-3-4.sqlite.part"
    for part in (old_part, new_part):
        part.write_bytes(b"half")
    os.utime(old_part, (1, 1))
    with Project.open(folder) as proj:
        proj.set_setting("counter", "5b")
    backup.take_backup(folder, keep=4)
    assert not old_part.exists() and new_part.exists()
    new_part.unlink()
    # Files not named like a backup are never touched by rotation.
    (folder / "backups" / "my-copy.sqlite").write_bytes(b"mine")
    with Project.open(folder) as proj:
        proj.set_setting("counter", "6")
    backup.take_backup(folder, keep=1)
    assert (folder / "backups" / "my-copy.sqlite").read_bytes() == b"mine"
    assert len(backup.list_backups(folder)) == 1


def test_a_backup_is_consistent_while_another_connection_writes(labelled):
    folder, labels = labelled
    writer = Project.open(folder)
    try:
        with writer.transaction() as db:  # an open write transaction in another connection
            db.execute("INSERT INTO settings VALUES ('uncommitted', '1')")
            result = backup.take_backup(folder)
        conn = sqlite3.connect(f"file:{result.path}?mode=ro", uri=True)
        assert conn.execute("SELECT count(*) FROM settings WHERE key='uncommitted'").fetchone() == (0,)
        conn.close()
    finally:
        writer.close()


def test_schema_upgrade_is_preceded_by_a_backup(tmp_path):
    proj = Project.create(tmp_path / "old")
    with proj.transaction() as db:  # make it look like a schema-1 project
        db.execute("DROP TABLE shots")
        db.execute("DROP TABLE IF EXISTS label_revisions")  # schema 3 (label revisions)
        db.execute("PRAGMA user_version = 1")
    proj.close()
    Project.open(tmp_path / "old").close()
    (b,) = backup.list_backups(tmp_path / "old")
    conn = sqlite3.connect(f"file:{b.path}?mode=ro", uri=True)
    assert conn.execute("PRAGMA user_version").fetchone() == (1,)
    conn.close()


# ---- read-only ---------------------------------------------------------------------------
def test_a_read_only_project_opens_to_look_and_refuses_writes(labelled, pretend_read_only):
    folder, labels = labelled
    db = folder / DB_NAME
    before = snapshot(db)
    pretend_read_only(folder)
    proj = Project.open(folder)
    assert proj.read_only
    assert np.array_equal(proj.load_labels(0), labels)
    assert [v.name for v in proj.videos()] == ["a.mp4"]
    for write in (lambda: proj.save_labels(0, labels), lambda: proj.set_setting("k", "v")):
        with pytest.raises(ReadOnlyProject, match="read-only project.*cannot be saved"):
            write()
    with pytest.raises(ProjectError):  # even raw SQL cannot write through this connection
        try:
            proj.db.execute("INSERT INTO settings VALUES ('raw', '1')")
        except sqlite3.Error as exc:
            raise ProjectError(str(exc)) from exc
    proj.close()
    assert snapshot(db)[0] == before[0]


def test_a_read_only_project_exports_elsewhere_and_writes_nothing_into_it(
        labelled, tmp_path, capsys, pretend_read_only):
    """A colleague's project on a read-only share: `trailer export` into the project is
    refused with what to do instead; `--out DIR` writes the dataset there, the project's
    files stay exactly as they were (no dataset/, no stored shot cuts)."""
    folder, labels = labelled

    def files():  # SQLite's own -wal/-shm side files are its business (empty here)
        return {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.rglob("*")
                if not p.name.endswith(("-wal", "-shm"))}

    before = files()
    pretend_read_only(folder)
    capsys.readouterr()
    assert main(["export", str(folder), "--size", "8"]) == 1
    err = capsys.readouterr().err
    assert "read-only project" in err and "--out DIR" in err and len(err.splitlines()) == 1

    out = tmp_path / "elsewhere"
    assert main(["export", str(folder), "--size", "8", "--out", str(out)]) == 0
    category = np.load(out / "category_0.npy", allow_pickle=False)
    assert np.array_equal(category[:, 0, :, 0].T.astype(bool), labels)
    assert np.load(out / "scene_0.npy", allow_pickle=False).shape == (30, 3, 8, 8)
    assert [t["id"] for t in json.loads((out / "manifest.json").read_text())["trailers"]] == [0]
    assert files() == before


@pytest.mark.skipif(shutil.which("setpriv") is None or os.geteuid() != 0,
                    reason="needs root and setpriv to drop the right to ignore permissions")
def test_a_truly_read_only_folder_opens_read_only(labelled, tmp_path):
    """chmod a-w, and a process without CAP_DAC_OVERRIDE: SQLite cannot create -shm files."""
    folder, labels = labelled
    for side in ("-wal", "-shm"):  # a cleanly closed project: the hardest case for SQLite
        (folder / f"{DB_NAME}{side}").unlink(missing_ok=True)
    for p in [folder, *folder.rglob("*")]:
        p.chmod(p.stat().st_mode & ~0o222)
    try:
        code = ("import sys, json; from trailer_gui.core.store import Project; "
                "p = Project.open(sys.argv[1]); "
                "print(json.dumps([p.read_only, int(p.load_labels(0).sum())]))")
        out = subprocess.run(
            ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
             "--bounding-set=-dac_override,-dac_read_search",
             sys.executable, "-c", code, str(folder)],
            capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout) == [True, int(labels.sum())]
        assert not (folder / f"{DB_NAME}-shm").exists()
    finally:
        for p in [folder, *folder.rglob("*")]:
            p.chmod(p.stat().st_mode | 0o200)


# ---- trailer check -----------------------------------------------------------------------
def _keras_like(path, config=True, truncate=False):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        if config:
            z.writestr("config.json", json.dumps({"class_name": "Functional"}))
        z.writestr("model.weights.h5", os.urandom(20000))
    if truncate:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])


def test_check_run_names_the_file_and_needs_no_tensorflow(tmp_path):
    from model.files import check_run

    loaded = set(sys.modules)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    assert "config.json" in check_run(run_dir)
    (run_dir / "config.json").write_text("{not json")
    assert check_run(run_dir).startswith(str(run_dir / "config.json"))
    (run_dir / "config.json").write_text(json.dumps({"genres": ["a"], "model": {}}))
    assert "model.keras: missing" in check_run(run_dir)
    _keras_like(run_dir / "model.keras")
    assert check_run(run_dir) is None
    _keras_like(run_dir / "model.keras", truncate=True)
    assert check_run(run_dir) == f"{run_dir / 'model.keras'}: damaged (not a complete zip archive)"
    _keras_like(run_dir / "model.keras", config=False)
    assert "no config.json inside" in check_run(run_dir)
    _keras_like(run_dir / "model.keras")
    data = bytearray((run_dir / "model.keras").read_bytes())
    data[200:400] = bytes(200)  # inside the compressed weights
    (run_dir / "model.keras").write_bytes(bytes(data))
    assert str(run_dir / "model.keras") in check_run(run_dir)
    assert not [m for m in set(sys.modules) - loaded if m.split(".")[0] in ("tensorflow", "keras")]


def test_check_reports_each_problem_in_one_line(labelled, capsys):
    from trailer_gui.core.export import ExportSettings, export_dataset

    folder, labels = labelled
    write_mp4v(folder / "videos" / "b.mp4", frames=12)
    with Project.open(folder) as proj:
        proj.add_video(folder / "videos" / "b.mp4")
        export_dataset(proj, ExportSettings((8, 8)))
    assert main(["check", str(folder)]) == 0
    assert capsys.readouterr().out == ""

    with Project.open(folder) as proj:
        changed = labels.copy()
        changed[25, 0] = True
        proj.save_labels(0, changed)  # labels changed since the export
    (folder / "dataset" / "scene_1.npy").unlink()  # an export file lost
    (folder / "videos" / "b.mp4").rename(folder / "b-moved.mp4")  # a video moved away
    good, bad, running = (folder / "models" / n for n in ("20260101-000000", "20260102-000000",
                                                          "20260103-000000"))
    for run_dir in (good, bad, running):
        run_dir.mkdir(parents=True)
        (run_dir / "config.json").write_text(json.dumps({"genres": [], "model": {}}))
    _keras_like(good / "model.keras")
    _keras_like(bad / "model.keras", truncate=True)

    assert main(["check", str(folder)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4, lines
    assert any(f"{folder / 'videos' / 'b.mp4'}: video 1 not found" in line for line in lines)
    assert any(str(folder / "dataset" / "scene_1.npy") in line and "missing" in line for line in lines)
    assert any(str(folder / "dataset" / "category_0.npy") in line and "labels of video 0 changed"
               in line for line in lines)
    assert any(str(bad / "model.keras") in line and "damaged" in line for line in lines)

    assert main(["check", str(folder), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert sorted(p["kind"] for p in report["problems"]) == [
        "export-missing", "export-stale", "run", "video-missing"]


def test_check_accepts_an_export_decoded_another_way(labelled, capsys):
    """Frames shrunk while decoding (or read from a proxy) are a current export, not a stale
    one: the export and the check take the scene key from one home."""
    from trailer_gui.core.export import ExportSettings, export_dataset

    folder, _ = labelled
    with Project.open(folder) as proj:
        export_dataset(proj, ExportSettings((8, 8), scale_in_decoder=True))
    assert main(["check", str(folder)]) == 0
    assert capsys.readouterr().out == ""
    from trailer_gui.core.export_manifest import read_manifest, scene_is_current

    entry = read_manifest(folder / "dataset")["trailers"][0]
    with Project.open(folder) as proj:
        video = proj.video(0)
    assert scene_is_current(video, (8, 8), 1, entry["scene_key"])
    assert not scene_is_current(video, (8, 8), 2, entry["scene_key"])  # another stride
    assert not scene_is_current(video, (16, 16), 1, entry["scene_key"])  # another size


def test_check_a_damaged_store_names_the_backup_and_changes_nothing(labelled, capsys):
    folder, _ = labelled
    damage(folder / DB_NAME)
    before = snapshot(folder / DB_NAME)
    assert main(["check", str(folder), "--json"]) == 1
    (problem,) = json.loads(capsys.readouterr().out)["problems"]
    assert problem["kind"] == "store" and "backups/project-" in problem["text"]
    assert snapshot(folder / DB_NAME) == before


def test_cli_on_a_read_only_project_reads_and_refuses_writes_in_one_line(
        labelled, capsys, tmp_path, pretend_read_only):
    folder, labels = labelled
    before = snapshot(folder / DB_NAME)
    pretend_read_only(folder)
    assert main(["info", str(folder), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["videos"][0]["labelled_frames"]["action"] == 15
    csv = tmp_path / "more.csv"
    csv.write_text("genre,start_frame,end_frame\ncomedy,0,10\n")
    assert main(["labels", "import", str(folder), "0", str(csv)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "read-only project" in err and str(folder) in err
    assert "unable to open database file" not in err
    assert snapshot(folder / DB_NAME)[0] == before[0]
