"""Acceptance (issues #5 and #12): training on a small demo project gives predictions an
annotator can accept on demo trailers it never saw: per frame and per segment, measured the
way temporal segmentation measures it, scored in inference mode.

The user's path end to end: `make_demo` -> export (`train_project` exports what changed) ->
`train_project` with the project's default training (a fixed seed; only the frame size,
32x32, and the epochs, 12, are set; training ends by fitting the temporal decoding on its
validation trailer) -> `model.evaluate.evaluate_report` (stateful chunks over whole
trailers, batch-norm in inference mode, the run's stored decoding) on two labelled demo
trailers that were neither trained nor validated on.

Size: like the default demo (`trailer demo`: six labelled 20 s trailers to train on), plus
two more labelled trailers held out; videos rendered at 72x128 (fast) and exported at 32x32.
Measured on 2 cores: ~5 s demo + export, 65-85 s training (12 epochs of 38 steps of
8 windows x 8 frames; up to 7 min while other jobs shared the cores), 1-2 s fitting the
decoding, ~2 s evaluation.
Figures (model/README.md, "Segments"; training seed 0, hue rotation up to a quarter turn,
decoding fitted on the validation trailer): dominant-genre Edit 94.4, F1@50 96.8, macro-F1
0.947, every genre right on 0.899 of the frames (0.903 / 0.773 per frame without the
decoding; Edit 37 without it).  Other floating-point hardware behaves like another seed.
"""

from __future__ import annotations

import pytest

from model.evaluate import evaluate_report
from trailer_gui.demo.project import make_demo
from trailer_gui.services.training import set_config, train_project

TRAILERS = 10  # the demo labels all but the last two: 0-7 labelled
SECONDS = 20.0
RENDER = (72, 128)  # video size (the export scales it down)
SIZE = "32"  # exported frames, 32x32
EPOCHS = "12"
SEED = 0
TRAIN_IDS = [0, 1, 2, 3, 4, 5]  # like the default demo's six labelled trailers
HELD_OUT = [6, 7]  # labelled, never seen by training or validation


@pytest.mark.slow
def test_demo_predictions_are_segments_an_annotator_can_accept(tmp_path):
    project = make_demo(tmp_path / "demo", trailers=TRAILERS, seconds=SECONDS, seed=0, size=RENDER)
    set_config(project, "size", SIZE)
    set_config(project, "epochs", EPOCHS)

    result = train_project(project, {"seed": SEED}, ids=TRAIN_IDS)

    seen = set(result.train_ids) | set(result.val_ids)
    assert seen == set(TRAIN_IDS) and not seen & set(HELD_OUT)
    report = evaluate_report(result.run_dir, project.folder / "dataset", ids=HELD_OUT)
    assert report["decoding"] is not None  # the run's own, fitted on its validation trailer
    metrics = report["metrics"]
    genres = [name for name in metrics if name != "macro"]
    # Every genre occurs in the held-out trailers: the macro average is over all six.
    assert all(metrics[g]["support"] > 0 for g in genres), metrics
    dominant = report["dominant"]["segments"]
    summary = {"f1": {g: round(metrics[g]["f1"], 3) for g in genres}, "dominant": dominant,
               "all_right": report["all_genres_right"], "decoding": report["decoding"]}
    # Issue #12's bar, the best published Edit / F1@50 (GTEA 92 / 87) and more:
    assert dominant["edit"] >= 90 and dominant["f1@50"] >= 90, summary
    assert metrics["macro"]["f1"] >= 0.92, summary
    assert report["all_genres_right"] >= 0.85, summary
