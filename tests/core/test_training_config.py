"""`trailer config`: training settings stored in the project, git-config style."""

import pytest

from trailer_gui.cli import main
from trailer_gui.core.errors import TrailerError
from trailer_gui.core.export import ExportSettings, export_dataset
from trailer_gui.services.training import export_settings, get_config, set_config


def test_defaults_then_set_and_unset(project):
    config = get_config(project)
    assert config == {"epochs": 10, "window": 8, "batch": 8, "lr": 1e-3, "augment": 1.0,
                      "mix": 0.5, "size": "64x64", "stride": 1, "precision": "auto"}
    set_config(project, "epochs", "3")
    set_config(project, "size", "32x48")
    assert get_config(project)["epochs"] == 3
    assert export_settings(project).size == (32, 48)
    set_config(project, "epochs", None)
    assert get_config(project)["epochs"] == 10


@pytest.mark.parametrize("key, value", [("epochs", "0"), ("lr", "-1"), ("lr", "nan"), ("size", "3"),
                                        ("batch", "two"), ("colour", "red"),
                                        ("mix", "1.5"), ("augment", "-0.1"),
                                        ("precision", "half")])
def test_bad_values_are_refused(project, key, value):
    with pytest.raises(TrailerError, match=key):
        set_config(project, key, value)


def test_size_and_stride_follow_the_last_export(project_with_videos):
    export_dataset(project_with_videos, ExportSettings(size=(12, 20), stride=2))
    assert get_config(project_with_videos)["size"] == "12x20"
    assert get_config(project_with_videos)["stride"] == 2


def test_cli_config(project, capsys):
    folder = str(project.folder)
    assert main(["config", folder, "epochs=5", "lr=0.01"]) == 0
    assert main(["config", folder, "epochs"]) == 0
    assert capsys.readouterr().out.strip() == "5"
    assert main(["config", folder]) == 0
    assert "lr=0.01" in capsys.readouterr().out.splitlines()
    assert main(["config", folder, "epochs="]) == 0  # empty value: back to the default
    assert main(["config", folder, "epochs"]) == 0
    assert capsys.readouterr().out.strip() == "10"
    assert main(["config", folder, "speed=9"]) == 1


def test_training_uses_the_stored_augmentation_settings(project, monkeypatch):
    """A user whose genres are tied to a place in the frame switches mixing off; training
    then gets mix=0 (and the other settings as stored)."""
    import model.train
    from trailer_gui.services import training

    seen = {}
    monkeypatch.setattr(training, "ensure_exported", lambda project, progress=None, warn=None: None)
    monkeypatch.setattr(model.train, "train", lambda data, out, config, **kw: seen.setdefault("c", config))
    set_config(project, "mix", "0")
    set_config(project, "augment", "0.5")
    training.train_project(project, {"epochs": 2})
    config = seen["c"]
    assert (config.mix, config.augment, config.epochs, config.window) == (0.0, 0.5, 2, 8)


def test_precision_setting_reaches_training_and_the_cli(project, monkeypatch, capsys):
    """A user on a machine without bfloat16 pins float32; `trailer train --precision`
    overrides the stored setting for one run."""
    import model.train
    from trailer_gui.services import training

    seen = []
    monkeypatch.setattr(training, "ensure_exported", lambda project, progress=None, warn=None: None)
    monkeypatch.setattr(model.train, "train", lambda data, out, config, **kw: seen.append(config))
    assert main(["config", str(project.folder), "precision=FLOAT32"]) == 0
    assert get_config(project)["precision"] == "float32"
    training.train_project(project)
    training.train_project(project, {"precision": "bfloat16"})
    assert [c.precision for c in seen] == ["float32", "bfloat16"]
