"""`trailer eval`'s table: frames per genre from the metrics' `support`, a dash where undefined."""

import math

import pytest

from trailer_gui.cli.training import format_metrics


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

    import trailer_gui.cli.training as cli_model
    import trailer_gui.services.training as training

    segments = {"edit": math.nan, "f1@10": 100.0, "f1@25": 100.0, "f1@50": 50.0}
    report = {"metrics": {"comedy": {"precision": math.nan, "f1": 0.5, "support": 0,
                                     "segments": segments},
                          "macro": {"f1": 0.5, "segments": segments}},
              "dominant": {"accuracy": 0.9, "segments": segments}, "all_genres_right": math.nan,
              "decoding": {"threshold": 0.5, "min_frames": 6}}
    seen = {}

    def fake_report(project, name, raw=False):
        seen["raw"] = raw
        return report, [6, 7]

    monkeypatch.setattr(cli_model, "open_project", lambda path: object())
    monkeypatch.setattr(training, "find_run", lambda project, name, **kw: types.SimpleNamespace(name="run-1"))
    monkeypatch.setattr(training, "evaluate_project_report", fake_report)
    args = types.SimpleNamespace(project="p", model=None, json=True, raw=False)
    assert cli_model.cmd_eval(args) == 0
    out = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert out["metrics"]["comedy"]["precision"] is None
    assert out["ids"] == [6, 7] and out["run"] == "run-1"
    # The field's segment figures, per genre and on the dominant sequence; null if undefined.
    assert out["metrics"]["comedy"]["segments"] == {"edit": None, "f1@10": 100.0, "f1@25": 100.0,
                                                    "f1@50": 50.0}
    assert out["dominant"]["segments"]["f1@50"] == 50.0 and out["dominant"]["accuracy"] == 0.9
    assert out["all_genres_right"] is None and out["decoding"]["min_frames"] == 6
    assert seen["raw"] is False


def test_eval_table_adds_segment_columns_and_the_dominant_sequence():
    from trailer_gui.cli.training import format_sequence

    seg = {"edit": 93.75, "f1@10": 96.0, "f1@25": 96.0, "f1@50": math.nan}
    metrics = {"action": {"precision": 1.0, "recall": 0.5, "f1": 0.667, "ap": 0.9, "support": 10,
                          "segments": seg},
               "macro": {"precision": 1.0, "recall": 0.5, "f1": 0.667, "ap": 0.9, "segments": seg}}
    lines = format_metrics(metrics).splitlines()
    assert lines[0].split() == ["genre", "precision", "recall", "F1", "AP", "Edit", "F1@10",
                                "F1@25", "F1@50", "frames"]
    assert lines[1].split() == ["action", "1.000", "0.500", "0.667", "0.900", "93.8", "96.0",
                                "96.0", "—", "10"]
    text = format_sequence({"dominant": {"accuracy": 0.961, "segments": seg},
                            "all_genres_right": 0.85, "decoding": {"min_frames": 6}})
    assert "right on  96.1% of frames" in text and "Edit  93.8" in text
    assert "every genre right on  85.0% of frames" in text and "decoded" in text


def test_predict_and_eval_take_raw():
    from trailer_gui.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["predict", "p", "--raw", "--ids", "3"])
    assert args.raw is True and args.ids == [3]
    assert parser.parse_args(["predict", "p"]).raw is False
    args = parser.parse_args(["eval", "p", "--json", "--raw"])
    assert args.raw is True and args.json is True
