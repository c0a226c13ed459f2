"""Acceptance (the issue): training on a small demo project reaches per-frame macro-F1 of at
least 0.8 on demo trailers it never saw, scored in inference mode.

The user's path end to end: `make_demo` -> export (`train_project` exports what changed) ->
`train_project` with the project's default training (a fixed seed; only the frame size,
32x32, and the epochs, 12, are set) -> `model.evaluate.evaluate` (stateful chunks over
whole trailers, batch-norm in inference mode) on two labelled demo trailers that were
neither trained nor validated on.

Size: like the default demo (`trailer demo`: six labelled 20 s trailers to train on), plus
two more labelled trailers held out; videos rendered at 72x128 (fast) and exported at 32x32.
Measured on 2 cores: ~5 s demo + export, 65-85 s training (12 epochs of 38 steps of
8 windows x 8 frames), ~2 s evaluation.  Held-out macro-F1 with training seeds 0 / 1:
0.906 / 0.922 (seed 0 is used here; 0.878 / 0.886 before prediction restarted the recurrent
state at shot cuts).  Other floating-point hardware behaves like
another seed; the weakest genres are action and horror in 50/50 blends.
"""

from __future__ import annotations

import pytest

from model.evaluate import evaluate
from trailer_gui.core.demo import make_demo
from trailer_gui.core.training import set_config, train_project

TRAILERS = 10  # the demo labels all but the last two: 0-7 labelled
SECONDS = 20.0
RENDER = (72, 128)  # video size (the export scales it down)
SIZE = "32"  # exported frames, 32x32
EPOCHS = "12"
SEED = 0
TRAIN_IDS = [0, 1, 2, 3, 4, 5]  # like the default demo's six labelled trailers
HELD_OUT = [6, 7]  # labelled, never seen by training or validation


@pytest.mark.slow
def test_demo_training_reaches_macro_f1_0_8_on_held_out_trailers(tmp_path):
    project = make_demo(tmp_path / "demo", trailers=TRAILERS, seconds=SECONDS, seed=0, size=RENDER)
    set_config(project, "size", SIZE)
    set_config(project, "epochs", EPOCHS)

    result = train_project(project, {"seed": SEED}, ids=TRAIN_IDS)

    seen = set(result.train_ids) | set(result.val_ids)
    assert seen == set(TRAIN_IDS) and not seen & set(HELD_OUT)
    metrics = evaluate(result.run_dir, project.folder / "dataset", ids=HELD_OUT)
    genres = [name for name in metrics if name != "macro"]
    # Every genre occurs in the held-out trailers: the macro average is over all six.
    assert all(metrics[g]["support"] > 0 for g in genres), metrics
    summary = {g: round(metrics[g]["f1"], 3) for g in genres}
    assert metrics["macro"]["f1"] >= 0.8, (metrics["macro"], summary)
