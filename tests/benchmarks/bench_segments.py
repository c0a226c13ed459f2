"""How good the predictions are on trailers never trained on, per frame and per segment
(issue #12; run by hand, prints a table; model/README.md "Segments" quotes it).

    python tests/benchmarks/bench_segments.py                   # train like the acceptance test
    python tests/benchmarks/bench_segments.py --seed 1          # another training seed
    python tests/benchmarks/bench_segments.py --run DEMO/models/RUN --demo DEMO   # no training

Conditions, each scored with the probabilities thresholded at 0.5 ("raw") and with the run's
decoding (fitted on its validation trailer at the end of training):
  * the acceptance test's held-out demo trailers (6, 7);
  * six labelled trailers of a demo made with another seed (`trailer demo --seed 1`);
  * those held-out trailers with their colours rotated by 90 and 180 degrees of hue (the
    exported frames, as the model sees them): genres must not be recognisable by colour alone.
Figures: per-frame macro-F1 and the share of frames with every genre right, dominant-genre
accuracy, and the dominant sequence's Edit and F1@50 (0-100).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


def hue_rotated(scene: np.ndarray, degrees: float) -> np.ndarray:
    """(frames, 3, rows, cols) uint8 RGB with every colour turned about the grey axis."""
    from model.augment import colour_matrix

    m = colour_matrix(degrees / 360.0, 1.0, np.ones(3), 1.0)
    out = np.einsum("ij,fjrc->firc", m, scene.astype(np.float32), optimize=True)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def make_project(folder: Path, seed: int, trailers: int):
    from trailer_gui.demo.project import make_demo
    from trailer_gui.services.training import ensure_exported, set_config

    project = make_demo(folder, trailers=trailers, seconds=20.0, seed=seed, size=(72, 128))
    set_config(project, "size", "32")
    set_config(project, "epochs", "12")
    ensure_exported(project)
    return project


def trailers(dataset: Path, ids, transform=None):
    from model.data import WindowReader, check_dataset

    infos = check_dataset(dataset, ids)
    reader = WindowReader(infos)
    for info in infos:
        scene = np.asarray(reader.scene(info.id))
        yield (transform(scene) if transform else scene), reader.labels(info.id), info.cuts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0, help="training seed")
    ap.add_argument("--run", type=Path, help="an existing run of the demo (skips training)")
    ap.add_argument("--demo", type=Path, help="the demo project of --run")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    from model.evaluate import run_decoding, score
    from model.predict import Predictor, load
    from trailer_gui.services.training import train_project

    work = Path(tempfile.mkdtemp(prefix="bench_segments-"))
    if args.run:
        demo, run_dir = args.demo, args.run
    else:
        project = make_project(work / "demo", 0, 10)
        demo = project.folder
        run_dir = train_project(project, {"seed": args.seed}, ids=[0, 1, 2, 3, 4, 5]).run_dir
    other = make_project(work / "demo-seed1", 1, 8).folder  # labelled: all but the last two
    genres = json.loads((Path(run_dir) / "config.json").read_text())["genres"]
    decoding = run_decoding(run_dir)
    print(f"run {run_dir}\ndecoding {decoding}")
    predictor = Predictor(load(run_dir))
    conditions = {
        "held-out demo trailers 6, 7": (demo / "dataset", [6, 7], None),
        "demo --seed 1, trailers 0-5": (other / "dataset", [0, 1, 2, 3, 4, 5], None),
        "held-out, hue +90 degrees": (demo / "dataset", [6, 7], lambda s: hue_rotated(s, 90)),
        "held-out, hue 180 degrees": (demo / "dataset", [6, 7], lambda s: hue_rotated(s, 180)),
    }
    rows, figures = [], {}
    for name, (dataset, ids, transform) in conditions.items():
        truths, probs, cuts = [], [], []
        for scene, truth, c in trailers(dataset, ids, transform):
            probs.append(predictor.predict(scene, c))
            truths.append(truth)
            cuts.append(c)
        for how, params in (("raw", None), ("decoded", decoding)):
            report = score(truths, probs, cuts, genres, params)
            dom = report["dominant"]
            cells = {"macro-F1": report["metrics"]["macro"]["f1"],
                     "all genres right": report["all_genres_right"],
                     "dominant right": dom["accuracy"],
                     "Edit": dom["segments"]["edit"] / 100, "F1@50": dom["segments"]["f1@50"] / 100}
            figures[f"{name} ({how})"] = cells
            rows.append((f"{name} ({how})", cells))
    head = f"{'condition':<42}" + "".join(f"{k:>17}" for k in rows[0][1])
    print(head)
    for name, cells in rows:
        print(f"{name:<42}" + "".join(
            f"{'-' if v is None or math.isnan(v) else f'{v:.3f}':>17}" for v in cells.values()))
    print("(Edit and F1@50 of the dominant-genre sequence, divided by 100)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
