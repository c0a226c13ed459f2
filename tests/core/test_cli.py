"""The `trailer` command as a user types it."""

import json
import subprocess
import sys

import numpy as np

from trailer_gui.cli import main

from .conftest import write_mp4v


def run(*args):
    """Run the real console entry in a subprocess: exit status, stdout, stderr."""
    out = subprocess.run(
        [sys.executable, "-m", "trailer_gui.cli", *map(str, args)], capture_output=True, text=True, timeout=120
    )
    return out.returncode, out.stdout, out.stderr


def test_new_add_info_json(tmp_path, capsys):
    a = write_mp4v(tmp_path / "a.mp4", frames=12)
    b = write_mp4v(tmp_path / "b.mp4", frames=9)
    proj = tmp_path / "proj"
    assert main(["new", str(proj), str(a)]) == 0
    assert main(["add", str(proj), str(b)]) == 0
    capsys.readouterr()
    assert main(["info", str(proj), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["project"] == str(proj.resolve())
    assert info["genres"] == ["comedy", "action", "horror", "thriller", "musical", "other"]
    assert [(v["id"], v["frames"]) for v in info["videos"]] == [(0, 12), (1, 9)]
    assert set(info["videos"][0]) >= {"id", "path", "frames", "fps", "width", "height", "labelled_frames"}
    assert info["videos"][0]["labelled_frames"] == {g: 0 for g in info["genres"]}


def test_bad_files_are_reported_and_skipped(tmp_path):
    good = write_mp4v(tmp_path / "good.mp4", frames=10)
    (tmp_path / "notes.mp4").write_text("not a video at all")
    code, out, err = run("new", tmp_path / "proj", tmp_path / "notes.mp4", tmp_path / "missing.mp4", good)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 2 and "notes.mp4" in lines[0] and "missing.mp4" in lines[1]
    assert "Traceback" not in err
    code, out, _ = run("info", tmp_path / "proj", "--json")
    assert code == 0 and [v["path"].endswith("good.mp4") for v in json.loads(out)["videos"]] == [True]


def test_errors_are_one_line_and_usage_errors_exit_2(tmp_path):
    code, out, err = run("info", tmp_path / "nowhere")
    assert code == 1 and err.count("\n") == 1 and "not a trailer-gui project" in err
    code, _, err = run("export", tmp_path / "nowhere", "--size", "12")
    assert code == 1
    code, _, err = run("frobnicate")
    assert code == 2
    code, out, _ = run("export", "--help")
    assert code == 0 and "--stride" in out


def test_labels_import_export_and_export(tmp_path, capsys):
    video = write_mp4v(tmp_path / "a.mp4", frames=10)
    proj = tmp_path / "proj"
    main(["new", str(proj), str(video)])
    (tmp_path / "in.csv").write_text("genre,start_frame,end_frame\nhorror,2,6\n")
    assert main(["labels", "import", str(proj), "0", str(tmp_path / "in.csv"), "--annotator", "ann"]) == 0
    assert main(["labels", "export", str(proj), "0", str(tmp_path / "out.npy"), "--annotator", "ann"]) == 0
    arr = np.load(tmp_path / "out.npy")
    assert arr.shape == (6, 1, 10, 1) and arr[2, 0, 2:6, 0].tolist() == [1, 1, 1, 1]
    assert main(["export", str(proj), "--size", "8x12", "--annotator", "ann"]) == 0
    assert np.load(proj / "dataset" / "scene_0.npy").shape == (10, 3, 8, 12)
    assert np.array_equal(np.load(proj / "dataset" / "category_0.npy"), arr)
    # a label file of the wrong length is refused, naming what was expected
    np.save(tmp_path / "short.npy", np.zeros((6, 1, 9, 1), np.float32))
    capsys.readouterr()
    assert main(["labels", "import", str(proj), "0", str(tmp_path / "short.npy")]) == 1
    assert "the video has 10" in capsys.readouterr().err


def test_demo_then_info(tmp_path):
    code, out, err = run("demo", tmp_path / "demo", "--trailers", "3", "--seconds", "2")
    assert code == 0, err
    code, out, _ = run("info", tmp_path / "demo", "--json")
    videos = json.loads(out)["videos"]
    assert len(videos) == 3 and all(v["frames"] == 48 for v in videos)
    labelled = [sum(v["labelled_frames"].values()) > 0 for v in videos]
    assert labelled == [True, False, False]  # the last two stay unlabelled for predictions
    assert all(v["has_audio"] for v in videos)  # the demo sounds like its genres
    code, out, err = run("demo", tmp_path / "quiet", "--trailers", "1", "--seconds", "1", "--no-sound")
    assert code == 0, err
    code, out, _ = run("info", tmp_path / "quiet", "--json")
    assert not json.loads(out)["videos"][0]["has_audio"]
