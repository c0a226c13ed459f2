"""Quality of each precision on the demo acceptance setup (run by hand; prints figures).

    python tests/benchmarks/bench_precision.py [--seeds 0 1] [--precisions float32 auto]

The setup of tests/model/test_demo_acceptance.py (ten 20 s demo trailers, six trained on,
two held out, 32x32, 12 epochs), trained once per precision and seed in this process, then
scored in inference mode on the held-out trailers (float32 prediction, as `trailer eval`):
held-out macro-F1 per precision, and the training time of each.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tests.model.test_demo_acceptance import (EPOCHS, HELD_OUT, RENDER, SECONDS, SIZE,  # noqa: E402
                                              TRAIN_IDS, TRAILERS)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--precisions", nargs="+", default=["float32", "auto"])
    args = ap.parse_args()

    from model.evaluate import evaluate
    from model.precision import resolve
    from trailer_gui.demo.project import make_demo
    from trailer_gui.services.training import set_config, train_project

    tmp = Path(tempfile.mkdtemp(prefix="bench-precision-"))
    project = make_demo(tmp / "demo", trailers=TRAILERS, seconds=SECONDS, seed=0, size=RENDER)
    set_config(project, "size", SIZE)
    set_config(project, "epochs", EPOCHS)
    print(f"auto = {resolve('auto')} on this machine")
    for seed in args.seeds:
        for precision in args.precisions:
            t = time.perf_counter()
            result = train_project(project, {"seed": seed, "precision": precision}, ids=TRAIN_IDS)
            seconds = time.perf_counter() - t
            metrics = evaluate(result.run_dir, project.folder / "dataset", ids=HELD_OUT)
            print(f"seed {seed} {precision:9s} held-out macro-F1 {metrics['macro']['f1']:.3f}  "
                  f"AP {metrics['macro']['ap']:.3f}  training {seconds:5.0f} s", flush=True)


if __name__ == "__main__":
    main()
