"""Training, prediction and evaluation of a *project*: the glue between the store and `model`.

The CLI (`trailer train/predict/eval/config`) and the GUI workers both call these, so the two
behave the same. TensorFlow is imported only inside the functions that need it.

Training settings (`epochs`, `window`, `batch`, `lr`, `augment`, `mix`, `size`, `stride`,
`precision`) live in the project
(settings table, keys ``train.<key>``); `trailer config` shows and sets them.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..core.errors import TrailerError
from ..core.export import (
    ExportReport, ExportSettings, dataset_dir, export_dataset, last_export_settings, parse_size,
    read_manifest,
)
from ..core.progress import Progress
from ..core.project_layout import MODELS_DIR, prediction_file
from ..core.store import Project, atomic_save_npy, atomic_write_bytes
from .predictions import predictions_dir

# The window starts without importing `model` at all (tests/gui/test_main_window.py checks it),
# yet lists runs and shows the settings at once. So these facts of `model` are spelt here too,
# and tests/test_layers.py pins each to its home: the run folder's file names (model.files),
# the precisions (model.config.PRECISIONS) and the training defaults (model.config.TrainConfig).
MODEL_FILE, CONFIG_FILE, HISTORY_FILE, METRICS_FILE = (
    "model.keras", "config.json", "history.json", "metrics.json")
PRECISIONS = ("auto", "float32", "bfloat16", "float16")


def _positive_int(text) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("must be 1 or more")
    return value


def _positive_float(text) -> float:
    value = float(text)
    if not value > 0 or value != value or value == float("inf"):
        raise ValueError("must be a positive number")
    return value


def _fraction(text) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError("must be a number from 0 to 1")
    return value


def _precision(text) -> str:
    text = str(text).strip().lower()
    if text not in PRECISIONS:
        raise ValueError(f"must be one of {', '.join(PRECISIONS)}")
    return text


def _size(text) -> str:
    rows, cols = parse_size(text)
    return f"{rows}x{cols}"


# key -> (parse/validate, default), in the order `trailer config` and the training panel show
# them. size/stride default to the last export (see export_settings).
CONFIG_KEYS: dict[str, tuple[Callable, object]] = {
    "epochs": (_positive_int, 10),
    "window": (_positive_int, 8),  # 8 windows of 8 frames a step
    "batch": (_positive_int, 8),
    "lr": (_positive_float, 1e-3),
    # Flip/colour-grade training windows, and show two windows at once labelled with both
    # windows' genres (model/augment.py).  0 switches them off, for data where a genre is
    # tied to a place in the frame.
    "augment": (_fraction, 1.0),
    "mix": (_fraction, 0.5),
    "size": (_size, None),
    "stride": (_positive_int, None),
    # Compute precision of training and prediction (model/precision.py): 'auto' is float16
    # on GPUs, float32 on CPUs.
    "precision": (_precision, "auto"),
}


def check_setting_key(key: str) -> None:
    """A training setting's name, or a TrailerError naming the known ones."""
    if key not in CONFIG_KEYS:
        raise TrailerError(f"unknown setting {key!r} (known: {', '.join(CONFIG_KEYS)})")


def get_config(project: Project) -> dict[str, object]:
    """Every training setting, stored or default; size/stride as the export would use them."""
    config = {}
    for key, (parse, default) in CONFIG_KEYS.items():
        stored = project.setting(f"train.{key}")
        config[key] = parse(stored) if stored is not None else default
    export = export_settings(project)
    config["size"] = f"{export.size[0]}x{export.size[1]}"
    config["stride"] = export.stride
    return config


def set_config(project: Project, key: str, value: str | None) -> object:
    """Validate and store one setting (None removes it: back to the default)."""
    check_setting_key(key)
    if value is None:
        project.set_setting(f"train.{key}", None)
        return None
    parse = CONFIG_KEYS[key][0]
    try:
        parsed = parse(value)
    except ValueError as exc:
        raise TrailerError(f"{key}={value}: {exc}") from None
    project.set_setting(f"train.{key}", str(parsed))
    return parsed


def export_settings(project: Project) -> ExportSettings:
    """Stored size/stride first, else the last export's, else 64x64 every frame.

    Labels: the last export's label source (an annotator, or a union/majority chosen with
    ``trailer export`` or the GUI's export), else the project's annotator."""
    last = last_export_settings(project) or ExportSettings()
    size = project.setting("train.size")
    stride = project.setting("train.stride")
    return ExportSettings(
        size=parse_size(size) if size else tuple(last.size),
        stride=int(stride) if stride else last.stride,
        annotator=last.annotator or project.annotator,
    )


Warn = Callable[[str], None]


def ensure_exported(project: Project, progress: Progress | None = None,
                    warn: Warn | None = None) -> ExportReport:
    """Export whatever is missing or stale (incremental: unchanged trailers cost nothing).
    Unavailable videos are left out; ``warn(line)`` names each."""
    return export_dataset(project, export_settings(project), progress=progress, warn=warn)


# ---- runs ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunInfo:
    name: str
    folder: Path
    created: float  # mtime of the model file
    macro: dict  # macro metrics of the best epoch ({} when unknown)
    epochs: int


def run_precision(folder: Path) -> str:
    """The precision a run computed in ('bfloat16', ...), '' when its config does not say
    (runs made before precision existed computed in float32)."""
    try:
        config = json.loads((Path(folder) / CONFIG_FILE).read_text())
        return str((config.get("precision") or {}).get("compute") or "float32")
    except (OSError, ValueError, AttributeError):
        return ""


def models_dir(project: Project) -> Path:
    return project.folder / MODELS_DIR


def list_runs(project: Project) -> list[RunInfo]:
    """Finished runs (those with a model file), oldest first."""
    runs = []
    for folder in sorted(models_dir(project).glob("*")):
        model_file = folder / MODEL_FILE
        if not model_file.is_file():
            continue
        macro, epochs = {}, 0
        try:
            metrics = json.loads((folder / METRICS_FILE).read_text())
            # model.train writes the best epoch's per-genre metrics under "validation"
            macro = (metrics.get("validation") or metrics.get("metrics") or {}).get("macro", {}) or {}
            history = json.loads((folder / HISTORY_FILE).read_text())
            epochs = len(history) if isinstance(history, list) else len(history.get("epochs", []))
        except (OSError, ValueError, AttributeError):
            pass
        runs.append(RunInfo(folder.name, folder, model_file.stat().st_mtime, macro, epochs))
    runs.sort(key=lambda r: (r.created, r.name))
    return runs


def run_problem(run: RunInfo) -> str | None:
    """Why a run cannot be loaded (one line naming the file), or None."""
    from model.files import check_run

    return check_run(run.folder)


def newest_readable_run(project: Project, warn: Warn | None = None) -> RunInfo | None:
    """The latest run that can be loaded; each newer unreadable one is named to ``warn`` and
    skipped, so one damaged model.keras does not block predicting or retraining."""
    for run in reversed(list_runs(project)):
        problem = run_problem(run)
        if problem is None:
            return run
        if warn is not None:
            warn(f"run {run.name} skipped: {problem}")
    return None


def find_run(project: Project, name: str | None = None, warn: Warn | None = None) -> RunInfo:
    """The run called ``name``, or (None) the newest readable one."""
    runs = list_runs(project)
    if not runs:
        raise TrailerError(f"{project.folder}: no trained model yet (run `trailer train` first)")
    if name is None:
        run = newest_readable_run(project, warn)
        if run is None:
            raise TrailerError(f"{project.folder}: no readable trained model (every run under "
                               f"{MODELS_DIR}/ is damaged; train a new one)")
        return run
    for run in runs:
        if run.name == name or run.folder == Path(name).resolve():
            problem = run_problem(run)
            if problem is not None:
                raise TrailerError(f"run {run.name}: {problem}")
            return run
    raise TrailerError(f"{project.folder}: no model run named {name!r} "
                       f"(runs: {', '.join(r.name for r in runs)})")


def new_run_dir(project: Project) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = models_dir(project) / stamp
    n = 1
    while folder.exists():
        n += 1
        folder = models_dir(project) / f"{stamp}-{n}"
    return folder


# ---- train / predict / evaluate ------------------------------------------------------------
def train_project(
    project: Project,
    overrides: dict | None = None,
    init_from: str | None = None,
    resume: bool = False,
    ids: Sequence[int] | None = None,
    listener: Callable[[dict], None] | None = None,
    stop=None,
    progress: Progress | None = None,
    warn: Warn | None = None,
):
    """Export what changed, then train a new run. Returns model.train.TrainResult.
    ``warn(line)`` names each video left out and each unreadable run skipped."""
    from model.config import TrainConfig
    from model.train import train

    progress = progress or Progress()
    ensure_exported(project, progress, warn)
    settings = get_config(project)
    settings.update({k: v for k, v in (overrides or {}).items() if v is not None})
    start_from = None
    if init_from:
        start_from = str(find_run(project, init_from).folder)
    elif resume:
        start_from = str(find_run(project, warn=warn).folder)
    config = TrainConfig(
        epochs=int(settings["epochs"]), window=int(settings["window"]),
        batch=int(settings["batch"]), lr=float(settings["lr"]),
        augment=float(settings["augment"]), mix=float(settings["mix"]),
        precision=str(settings["precision"]), init_from=start_from,
        **{k: v for k, v in (overrides or {}).items()
           if k in ("seed", "strategy", "steps_per_epoch") and v is not None},
    )
    if ids is not None:
        config.ids = sorted(int(i) for i in ids)
    return train(dataset_dir(project), new_run_dir(project), config, listener=listener, stop=stop)



def predict_project(
    project: Project,
    run: str | None = None,
    ids: Sequence[int] | None = None,
    progress: Progress | None = None,
    out_dir: Path | None = None,
    raw: bool = False,
    warn: Warn | None = None,
) -> list[Path]:
    """Write predictions/pred_{id}.npy (source frames, genres) float32 raw probabilities,
    labels_{id}.npy (same shape, 0/1 float32: the run's decoded segments, `model.decode`)
    and pred_{id}.json ("decoding": the parameters used, null without labels).

    ``raw`` (or a run from before decoding): no labels file; consumers threshold the
    probabilities.  ``out_dir``: write there instead of predictions/ (the GUI stages a whole
    set there and publishes it only when complete, see services.predictions)."""
    from model.data import open_npy
    from model.decode import decode
    from model.evaluate import run_decoding
    from model.predict import Predictor, check_scene, load, to_source_frames

    progress = progress or Progress()
    info = find_run(project, run, warn=warn)
    report = ensure_exported(project, progress, warn)
    manifest = _manifest(project)
    entries = {int(t["id"]): t for t in manifest["trailers"]}
    wanted = sorted(entries) if ids is None else [int(i) for i in ids]
    missing = [i for i in wanted if i not in entries]
    if missing:
        why = ("its video is unavailable (see `trailer relink`)" if missing[0] in report.left_out
               else "not exported")
        raise TrailerError(f"{project.folder}: trailer {missing[0]} cannot be predicted: {why}")
    model = load(info.folder)
    decoding = None if raw else run_decoding(info.folder)
    # One traced chunk graph for every trailer, in the project's precision (a saved model is
    # float32, whatever precision it was trained in).
    predictor = Predictor(model, precision=str(get_config(project)["precision"]))
    out = Path(out_dir) if out_dir is not None else predictions_dir(project)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for n, vid in enumerate(wanted):
        progress.update(n, len(wanted), f"Predicting trailer {vid}")
        entry = entries[vid]
        stride = int(manifest["stride"])
        indices = entry.get("source_indices") or list(range(0, entry["source_frames"], stride))
        scene_path = dataset_dir(project) / f"scene_{vid}.npy"
        scene = check_scene(open_npy(scene_path, "scene"), predictor.geometry, str(scene_path))
        cuts = entry.get("cuts") or ()
        exported = predictor.predict(scene, cuts)
        probs = to_source_frames(exported, np.asarray(indices), entry["source_frames"])
        probs = np.clip(np.asarray(probs, dtype=np.float32), 0.0, 1.0)
        labels_path = out / f"labels_{vid}.npy"
        if decoding is not None:  # decoded where the model saw the frames, then mapped
            labels = to_source_frames(decode(exported, cuts, decoding), np.asarray(indices),
                                      entry["source_frames"])
            atomic_save_npy(labels_path, np.asarray(labels, dtype=np.float32))
        else:
            labels_path.unlink(missing_ok=True)
        path = out / prediction_file(vid)
        atomic_save_npy(path, probs)
        meta = {"run": info.name, "video_id": vid, "genres": manifest["genres"],
                "frames": int(probs.shape[0]), "stride": stride,
                "decoding": None if decoding is None else decoding.to_dict(),
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        atomic_write_bytes(path.with_suffix(".json"), json.dumps(meta, indent=1).encode())
        written.append(path)
    progress.update(len(wanted), len(wanted), "Predicted")
    return written


def evaluate_project_report(project: Project, run: str | None = None,
                            raw: bool = False) -> tuple[dict, list[int]]:
    """`model.evaluate.evaluate_report` (per-genre and segment metrics of the decoded
    labels; ``raw``: thresholded probabilities) on the labelled trailers the run did not
    train on."""
    from model.evaluate import evaluate_report

    info = find_run(project, run)
    ensure_exported(project)
    config = json.loads((info.folder / CONFIG_FILE).read_text())
    trained = set(config.get("train_ids", []))
    manifest = _manifest(project)
    ids = [int(t["id"]) for t in manifest["trailers"] if t.get("labelled") and int(t["id"]) not in trained]
    if not ids:
        raise TrailerError(f"{project.folder}: every labelled trailer was used to train {info.name}; "
                           "label another trailer to evaluate on")
    decoding = None if raw else "run"
    return evaluate_report(info.folder, dataset_dir(project), ids, decoding=decoding), ids


def _manifest(project: Project) -> dict:
    """The exported dataset's manifest (after ``ensure_exported``), read by core.export."""
    manifest = read_manifest(dataset_dir(project))
    if manifest is None:
        raise TrailerError(f"{dataset_dir(project)}: no dataset exported (see `trailer export`)")
    return manifest
