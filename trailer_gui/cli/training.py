"""`trailer train / predict / eval / config`: thin wrappers of services.training."""

from __future__ import annotations

import json
import math
import sys

from .common import open_project, progress_bar, warn


def _print_event(event: dict) -> None:
    """One line per epoch and stage on stdout; batches as a redrawn line on a terminal."""
    kind = event.get("event")
    if kind == "stage":
        print(f"[{event['stage']}]", flush=True)
    elif kind == "batch" and sys.stderr.isatty():
        eta = event.get("eta_s")
        sys.stderr.write(
            f"\repoch {event['epoch']}/{event['epochs']} batch {event['batch']}/{event['batches']}"
            f" loss {event['loss']:.4f} {event.get('frames_per_s') or 0:.0f} frames/s"
            + (f" ETA {eta:.0f}s" if eta is not None else "") + "   "
        )
        sys.stderr.flush()
    elif kind == "epoch":
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        macro = (event.get("metrics") or {}).get("macro", {})
        val = event.get("val_loss")
        print(
            f"epoch {event['epoch']}/{event['epochs']}  loss {event['loss']:.4f}"
            + (f"  val_loss {val:.4f}" if val is not None else "")
            + (f"  macro F1 {macro['f1']:.3f}  AP {macro['ap']:.3f}" if "f1" in macro else "")
            + ("  (best)" if event.get("best") else ""),
            flush=True,
        )


def cmd_train(args):
    _quiet_tensorflow()
    from ..services.training import MODEL_FILE, train_project

    project = open_project(args.project)
    overrides = {"epochs": args.epochs, "window": args.window, "batch": args.batch, "lr": args.lr,
                 "seed": args.seed, "strategy": args.strategy, "precision": args.precision}
    result = train_project(project, overrides, init_from=args.from_run, resume=args.resume,
                           ids=args.ids, listener=_print_event, progress=progress_bar(), warn=warn)
    state = "stopped" if result.stopped else "finished"
    if not (result.run_dir / MODEL_FILE).is_file() and args.strategy == "multiworker":
        print(f"training {state}: this worker's part is done; the chief wrote the run")
    else:
        print(f"training {state}: {result.run_dir} (best epoch {result.best_epoch})")
    return 0


def cmd_predict(args):
    _quiet_tensorflow()
    from ..services.training import find_run, predict_project

    project = open_project(args.project)
    run = find_run(project, args.model, warn=warn)
    written = predict_project(project, run.name, ids=args.ids, progress=progress_bar(), raw=args.raw,
                              warn=warn)
    for path in written:
        print(f"wrote {path}")
    return 0



def _quiet_tensorflow() -> None:
    """Load TensorFlow now, without the start-up notices it prints whatever the log level
    (oneDNN, "no CUDA drivers", "failed call to cuInit" on machines without a GPU): to a user
    of `trailer train` they read like errors.  Real errors still show (model.quiet)."""
    from model.quiet import import_tensorflow

    import_tensorflow()


def _cell(value, width: int, digits: int = 3) -> str:
    """A number, or an em dash where it is undefined (None/NaN: e.g. recall of a genre
    that never occurs, precision of one never predicted)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{'—':>{width}}"
    return f"{value:{width}.{digits}f}"


def format_metrics(metrics: dict) -> str:
    """Table of `model.metrics.per_genre_metrics`: one row per genre (frames = frames that
    carry the genre), then the macro averages.  Segment figures (`model.evaluate`: each
    genre's "segments") add the columns Edit and F1@10/25/50 (0-100)."""
    segmented = any(isinstance(m, dict) and "segments" in m for m in metrics.values())
    seg_head = "".join(f" {k:>6}" for k in ("Edit", "F1@10", "F1@25", "F1@50")) if segmented else ""

    def seg_cells(m):
        if not segmented:
            return ""
        s = m.get("segments") or {}
        return "".join(f" {_cell(s.get(k), 6, 1)}" for k in ("edit", "f1@10", "f1@25", "f1@50"))

    rows = [f"{'genre':<12} {'precision':>9} {'recall':>7} {'F1':>6} {'AP':>6}{seg_head} {'frames':>7}"]
    for name, m in metrics.items():
        if name == "macro" or not isinstance(m, dict):
            continue
        rows.append(f"{name:<12} {_cell(m.get('precision'), 9)} {_cell(m.get('recall'), 7)} "
                    f"{_cell(m.get('f1'), 6)} {_cell(m.get('ap'), 6)}{seg_cells(m)} "
                    f"{int(m.get('support', m.get('positives', 0)) or 0):7d}")
    macro = metrics.get("macro", {})
    if macro:
        rows.append(f"{'macro':<12} {_cell(macro.get('precision'), 9)} {_cell(macro.get('recall'), 7)} "
                    f"{_cell(macro.get('f1'), 6)} {_cell(macro.get('ap'), 6)}{seg_cells(macro)}")
    return "\n".join(rows)


def format_sequence(report: dict) -> str:
    """The dominant-genre sequence's figures and the frames with every genre right."""
    dom = report.get("dominant") or {}
    s = dom.get("segments") or {}
    share = report.get("all_genres_right")
    return (f"dominant genre: right on {_cell(_pct(dom.get('accuracy')), 5, 1)}% of frames; segments "
            + " ".join(f"{k.replace('edit', 'Edit').replace('f1', 'F1')} {_cell(s.get(k), 5, 1)}"
                       for k in ("edit", "f1@10", "f1@25", "f1@50"))
            + f"\nevery genre right on {_cell(_pct(share), 5, 1)}% of frames"
            + ("  (decoded segments)" if report.get("decoding") else "  (thresholded at 0.5)"))


def _pct(share):
    return None if share is None or (isinstance(share, float) and math.isnan(share)) else 100 * share


def cmd_eval(args):
    _quiet_tensorflow()
    from ..services.training import evaluate_project_report, find_run

    project = open_project(args.project)
    run = find_run(project, args.model, warn=warn)
    report, ids = evaluate_project_report(project, run.name, raw=args.raw)
    if args.json:
        # Undefined metrics (no positives) are NaN; JSON has no NaN, so they become null.
        from model.files import to_jsonable

        print(json.dumps(to_jsonable({"run": run.name, "ids": ids, **report}),
                         indent=1, allow_nan=False))
    else:
        print(f"model {run.name} on trailers {', '.join(map(str, ids))} (not trained on):")
        print(format_metrics(report["metrics"]))
        print(format_sequence(report))
    return 0


def cmd_config(args):
    from ..services.training import check_setting_key, get_config, set_config

    project = open_project(args.project)
    if not args.items:
        for key, value in get_config(project).items():
            print(f"{key}={value}")
        return 0
    for item in args.items:
        key, sep, value = item.partition("=")
        key = key.strip()
        check_setting_key(key)
        if sep:
            set_config(project, key, value.strip() or None)
        else:
            print(get_config(project)[key])
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("train", help="export what changed, then train the ConvLSTM")
    p.add_argument("project")
    p.add_argument("--ids", type=int, nargs="+", metavar="ID", help="train on these trailers only")
    p.add_argument("--epochs", type=int)
    p.add_argument("--window", type=int, help="frames per training sample")
    p.add_argument("--batch", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--seed", type=int)
    p.add_argument("--precision", choices=["auto", "float32", "bfloat16", "float16"],
                   help="compute precision (default: the project's; 'auto': float16 on GPUs, "
                        "float32 on CPUs)")
    start = p.add_mutually_exclusive_group()
    start.add_argument("--resume", action="store_true", help="continue from the latest run")
    start.add_argument("--from", dest="from_run", metavar="RUN", help="continue from this run")
    p.add_argument("--strategy", choices=["default", "mirrored", "multiworker"], default=None,
                   help="tf.distribute strategy (multiworker reads TF_CONFIG)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("predict", help="write predictions/pred_{id}.npy (probabilities) and "
                                       "labels_{id}.npy (decoded segments) with a trained model")
    p.add_argument("project")
    p.add_argument("--ids", type=int, nargs="+", metavar="ID")
    p.add_argument("--model", metavar="RUN", help="a run under models/ (default: the latest readable)")
    p.add_argument("--raw", action="store_true",
                   help="probabilities only: no decoded labels_{id}.npy beside them")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("eval", help="per-genre metrics on labelled trailers not trained on")
    p.add_argument("project")
    p.add_argument("--model", metavar="RUN", help="a run under models/ (default: the latest readable)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--raw", action="store_true",
                   help="score the probabilities thresholded at 0.5, not the run's decoded segments")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("config", help="show or set training settings (KEY or KEY=VALUE)")
    p.add_argument("project")
    p.add_argument("items", nargs="*", metavar="KEY[=VALUE]")
    p.set_defaults(func=cmd_config)
