"""`trailer config`: training settings stored in the project, git-config style."""

import pytest

from trailer_gui.cli import main
from trailer_gui.core.errors import TrailerError
from trailer_gui.core.export import ExportSettings, export_dataset
from trailer_gui.core.training import export_settings, get_config, set_config


def test_defaults_then_set_and_unset(project):
    config = get_config(project)
    assert config == {"epochs": 10, "window": 16, "batch": 4, "lr": 1e-3, "size": "64x64", "stride": 1}
    set_config(project, "epochs", "3")
    set_config(project, "size", "32x48")
    assert get_config(project)["epochs"] == 3
    assert export_settings(project).size == (32, 48)
    set_config(project, "epochs", None)
    assert get_config(project)["epochs"] == 10


@pytest.mark.parametrize("key, value", [("epochs", "0"), ("lr", "-1"), ("lr", "nan"), ("size", "3"),
                                        ("batch", "two"), ("colour", "red")])
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
