"""One damaged run never blocks predicting or retraining: it is named in one line and
skipped; the newest readable run is used, or training starts from scratch, and says so."""

import json
import os
import shutil
import zipfile

import pytest

from model.files import check_run
from trailer_gui.services import training as T
from trailer_gui.core.errors import TrailerError


def fake_run(folder, name, mtime, model: bytes | None = None):
    """A run folder whose model.keras is a small zip with Keras' config.json (or `model`)."""
    run = folder / "models" / name
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"genres": ["a"], "model": {}, "size": [8, 8]}))
    if model is None:
        with zipfile.ZipFile(run / "model.keras", "w") as z:
            z.writestr("config.json", json.dumps({"class_name": "Functional"}))
            z.writestr("model.weights.h5", b"\0" * 4096)
    else:
        (run / "model.keras").write_bytes(model)
    os.utime(run / "model.keras", (mtime, mtime))
    return run


def test_check_run_names_the_file_and_what_is_wrong(tmp_path):
    good = fake_run(tmp_path, "good", 1000)
    assert check_run(good) is None
    data = (good / "model.keras").read_bytes()

    truncated = fake_run(tmp_path, "truncated", 1000, data[: len(data) // 2])
    assert check_run(truncated) == f"{truncated / 'model.keras'}: damaged (not a complete zip archive)"
    garbage = fake_run(tmp_path, "garbage", 1000, b"\x00" * 100)
    assert check_run(garbage).startswith(f"{garbage / 'model.keras'}: damaged")

    # a flipped byte inside a member: the zip opens, its checksum fails
    offset = data.index(b"\0" * 64) + 10
    flipped = fake_run(tmp_path, "flipped", 1000, data[:offset] + b"\1" + data[offset + 1:])
    assert check_run(flipped) == f"{flipped / 'model.keras'}: damaged (model.weights.h5 fails its checksum)"

    other_zip = tmp_path / "models" / "other"
    shutil.copytree(good, other_zip)
    with zipfile.ZipFile(other_zip / "model.keras", "w") as z:
        z.writestr("readme.txt", "hello")
    assert check_run(other_zip).endswith("model.keras: not a Keras model archive (no config.json inside)")

    (good / "config.json").write_text("{")
    assert check_run(good).startswith(f"{good / 'config.json'}: not readable JSON")
    assert "\n" not in check_run(good)


def test_the_newest_readable_run_is_chosen_and_the_damaged_one_named(project):
    fake_run(project.folder, "old", 1000)
    fake_run(project.folder, "new", 2000, b"PK\x03\x04 truncated")
    heard = []
    assert T.find_run(project, warn=heard.append).name == "old"
    assert len(heard) == 1 and heard[0].startswith("run new skipped: ")
    assert "new/model.keras" in heard[0]
    # asked for by name, the damaged run is refused with its reason, in one line
    with pytest.raises(TrailerError, match=r"run new: .*new/model.keras: damaged"):
        T.find_run(project, "new")
    # every run damaged: one line saying so
    shutil.rmtree(project.folder / "models" / "old")
    with pytest.raises(TrailerError, match="no readable trained model"):
        T.find_run(project)


@pytest.fixture(scope="module")
def tiny_demo(tmp_path_factory):
    """3 demo trailers of 2 s, two labelled, with a tiny training configuration."""
    from trailer_gui.demo.project import make_demo
    from trailer_gui.core.store import Project

    folder = tmp_path_factory.mktemp("runs") / "demo"
    make_demo(folder, trailers=3, seconds=2.0, seed=1, sound=False).close()
    with Project.open(folder) as p:
        for key, value in {"size": "16x16", "window": "8", "batch": "2", "epochs": "1",
                           "stride": "2"}.items():
            T.set_config(p, key, value)
    return folder


@pytest.mark.slow
def test_retrain_and_predict_skip_a_damaged_newest_run_and_a_missing_video(tiny_demo, capsys):
    from trailer_gui.cli import main
    from trailer_gui.core.progress import Progress
    from trailer_gui.services.retrain import predict_job, retrain_job
    from trailer_gui.core.store import Project

    events = []
    first = retrain_job(Progress(), tiny_demo, overrides={"steps_per_epoch": 2}, listener=events.append)
    assert first.run and not first.warnings

    # a newer run whose model.keras was cut short (a full disk, a copy interrupted)
    damaged = tiny_demo / "models" / "zz-damaged"
    shutil.copytree(tiny_demo / "models" / first.run, damaged)
    data = (damaged / "model.keras").read_bytes()
    (damaged / "model.keras").write_bytes(data[: len(data) // 3])
    later = (damaged / "model.keras").stat().st_mtime + 60
    os.utime(damaged / "model.keras", (later, later))
    # and a trailer's video was moved away
    with Project.open(tiny_demo) as p:
        moved = p.video(2).path
    moved.rename(moved.with_suffix(".moved"))
    (tiny_demo / "dataset" / "scene_2.npy").unlink()  # so it cannot be exported again
    try:
        events.clear()
        second = retrain_job(Progress(), tiny_demo, overrides={"steps_per_epoch": 2},
                             listener=events.append)
        assert second.init_from == first.run  # the newest readable run
        assert any(w.startswith("run zz-damaged skipped:") and "zz-damaged/model.keras" in w
                   for w in second.warnings)
        assert any(w.startswith("video 2 left out") and moved.name in w for w in second.warnings)
        assert {e["message"] for e in events if e.get("event") == "warning"} == set(second.warnings)
        assert 2 not in second.predicted and {0, 1} <= set(second.predicted)

        # `trailer predict` takes the newest readable run and says which it skipped
        os.utime(damaged / "model.keras", (later + 600, later + 600))
        capsys.readouterr()
        assert main(["predict", str(tiny_demo)]) == 0
        err = capsys.readouterr().err
        assert "warning: run zz-damaged skipped" in err and "Traceback" not in err
        assert main(["predict", str(tiny_demo), "--model", "zz-damaged"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "zz-damaged/model.keras" in err

        # only damaged runs: Ctrl+R trains from scratch, saying which run it skipped
        for run in (tiny_demo / "models").iterdir():
            if run.name != "zz-damaged":
                shutil.rmtree(run)
        third = retrain_job(Progress(), tiny_demo, overrides={"steps_per_epoch": 2})
        assert third.init_from is None and any(w.startswith("run zz-damaged") for w in third.warnings)
        only = predict_job(Progress(), tiny_demo)
        assert only.run == third.run
    finally:
        moved.with_suffix(".moved").rename(moved)


@pytest.mark.slow
def test_a_model_file_keras_cannot_load_is_named_in_one_line(tmp_path):
    """A zip that passes check_run but is not a model Keras can build (a hand-made or
    foreign file): the error names the file, in one line, whatever Keras raised."""
    from model.errors import ModelRunError
    from model.predict import load

    run = fake_run(tmp_path, "foreign", 1000)
    assert check_run(run) is None
    with pytest.raises(ModelRunError) as caught:
        load(run)
    message = str(caught.value)
    assert message.startswith(f"{run / 'model.keras'}: cannot load model (") and "\n" not in message
