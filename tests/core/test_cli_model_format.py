"""`trailer eval`'s table: frames per genre from the metrics' `support`, a dash where undefined."""

import math

import pytest

from trailer_gui.cli_model import format_metrics


def test_eval_table_shows_frames_and_dashes_for_undefined_values():
    nan = math.nan
    metrics = {
        "comedy": {"precision": nan, "recall": nan, "f1": nan, "ap": nan, "support": 0, "predicted": 0},
        "action": {"precision": 1.0, "recall": 0.929, "f1": 0.963, "ap": 0.996, "support": 84,
                   "predicted": 78},
        "musical": {"precision": nan, "recall": 0.0, "f1": 0.0, "ap": 0.994, "support": 78,
                    "predicted": 0},
        "macro": {"precision": 1.0, "recall": 0.4646, "f1": 0.4814, "ap": 0.995},
    }
    lines = format_metrics(metrics).splitlines()
    assert lines[0].split() == ["genre", "precision", "recall", "F1", "AP", "frames"]
    assert lines[1].split() == ["comedy", "—", "—", "—", "—", "0"]
    assert lines[2].split() == ["action", "1.000", "0.929", "0.963", "0.996", "84"]
    assert lines[3].split() == ["musical", "—", "0.000", "0.000", "0.994", "78"]
    assert lines[4].split() == ["macro", "1.000", "0.465", "0.481", "0.995"]
    assert "nan" not in format_metrics(metrics)


def test_eval_json_writes_null_not_nan_for_undefined_values(monkeypatch, capsys):
    """`trailer eval --json` output must parse as strict JSON (NaN is not JSON)."""
    import json
    import types

    import trailer_gui.cli_model as cli_model
    import trailer_gui.core.training as training

    metrics = {"comedy": {"precision": math.nan, "f1": 0.5, "support": 0},
               "macro": {"f1": 0.5}}
    monkeypatch.setattr(cli_model, "_open", lambda path: object())
    monkeypatch.setattr(training, "find_run", lambda project, name, **kw: types.SimpleNamespace(name="run-1"))
    monkeypatch.setattr(training, "evaluate_project", lambda project, name: (metrics, [6, 7]))
    args = types.SimpleNamespace(project="p", model=None, json=True)
    assert cli_model.cmd_eval(args) == 0
    out = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert out["metrics"]["comedy"]["precision"] is None
    assert out["ids"] == [6, 7] and out["run"] == "run-1"
