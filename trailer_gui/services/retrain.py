"""Model work the GUI runs in a worker thread: train, predict, and the one-click retrain chain.

Plain functions called as ``fn(progress, folder, ..., listener=...)`` (see
``workers.tasks.Task``), Qt-free. Each opens its own ``Project`` (its own sqlite connection in
that thread). TensorFlow is imported by ``services.training`` inside them, so the first job pays
for it in the worker thread, never the GUI at start-up.

``listener(event)`` receives, from the worker thread, ``model.train`` events (``stage``,
``batch``, ``epoch``, ``done``, ``error``) and the chain's own ``{"event": "job", "stage":
name, "step": k, "steps": n}``. Cancelling (``progress.cancel()``) means:

* :func:`train_job` (the panel's Start/Stop): *stop*. Training ends within one batch, the
  partial epoch is validated and the best model so far is kept; the run stays in ``models/``.
* :func:`predict_job`: nothing is published; every earlier prediction file stays as it was.
* :func:`retrain_job`: *cancel everything*, keeping the previous model and predictions. Stopped
  while training, the new run is removed from ``models/`` (so "the latest run" is still the
  previous one); stopped while predicting, the fully trained run stays (it is complete and
  usable, and the runs list shows it without predictions) but nothing is published.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import predictions as P
from . import training as T
from ..core.errors import Cancelled
from ..core.export import dataset_dir, export_dataset, read_manifest
from ..core.progress import Progress
from ..core.store import Project

Listener = Callable[[dict], None]

RETRAIN_STAGES = ("Exporting", "Training", "Predicting", "Publishing")

# The worker thread lowers its own scheduling priority (Linux: nice is per thread and new
# threads inherit it), so TensorFlow's thread pools, created from it on first use, yield the
# CPU to the GUI thread when cores are short. TRAILER_GUI_WORKER_NICE=0 turns this off.
WORKER_NICE = 10


def be_nice_to_the_gui() -> int:
    """Lower the calling thread's priority by WORKER_NICE (never raise it); returns the
    increment applied (0 where unsupported)."""
    try:
        nice = int(os.environ.get("TRAILER_GUI_WORKER_NICE", WORKER_NICE))
    except ValueError:
        nice = WORKER_NICE
    if nice <= 0 or not hasattr(os, "setpriority") or threading.current_thread() is threading.main_thread():
        return 0
    try:
        tid = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, tid)
        target = min(19, max(current, nice))
        if target > current:
            os.setpriority(os.PRIO_PROCESS, tid, target)
        return target - current
    except OSError:
        return 0


class StopFlag:
    """``model.train``'s stop object (``is_set()``), raised by cancelling the job's progress."""

    def __init__(self, progress: Progress):
        self._progress = progress

    def is_set(self) -> bool:
        return self._progress.cancelled


@dataclass
class JobResult:
    kind: str  # "train" | "predict" | "retrain"
    run: str | None = None  # the run trained or used
    init_from: str | None = None
    stopped: bool = False  # training was stopped early (its run kept)
    predicted: list[int] = field(default_factory=list)  # videos whose predictions were published
    best_epoch: int | None = None
    history: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)  # stage -> seconds
    label_source: str = ""
    # One line each: videos left out (missing or replaced files), unreadable runs skipped.
    warnings: list[str] = field(default_factory=list)


def _noop(event: dict) -> None:
    pass


def label_source(project: Project, annotator: str | None) -> str:
    """Whose labels training uses: the last export's label source (the CLI and the export
    dialog set it), or, before any export, the annotator the GUI edits as."""
    try:
        manifest = read_manifest(dataset_dir(project))
    except Exception:  # an unreadable manifest only costs a full export
        manifest = None
    if manifest and manifest.get("annotator"):
        return str(manifest["annotator"])
    return annotator or project.annotator


class Warnings:
    """Collects a job's warnings (each once) and tells the listener as they come, so the
    GUI can name a left-out video while training is still running."""

    def __init__(self, listener: Listener):
        self.lines: list[str] = []
        self._listener = listener

    def __call__(self, line: str) -> None:
        if line not in self.lines:
            self.lines.append(line)
            self._listener({"event": "warning", "message": line})


def export_for_training(project: Project, annotator: str | None, progress: Progress,
                        warn: Callable[[str], None] | None = None):
    settings = dataclasses.replace(T.export_settings(project),
                                   annotator=label_source(project, annotator))
    return export_dataset(project, settings, progress=progress, warn=warn)


def resumable_run(project: Project, warn: Callable[[str], None] | None = None) -> str | None:
    """The newest readable run if training can continue from it (same genres and frame size
    as the export would make now), else None (a new model is trained). Unreadable newer runs
    are named to ``warn`` and skipped."""
    run = T.newest_readable_run(project, warn)
    if run is None:
        return None
    try:
        config = json.loads((run.folder / T.CONFIG_FILE).read_text())
    except (OSError, ValueError):
        return None
    size = list(T.export_settings(project).size)
    if list(config.get("genres", [])) != project.genre_names() or list(config.get("size", [])) != size:
        return None
    return run.name


def _train(project, progress, overrides, init_from, listener, warn=None):
    result = T.train_project(project, overrides or {}, init_from=init_from, listener=listener,
                             stop=StopFlag(progress), progress=progress, warn=warn)
    return result


def train_job(progress: Progress, folder: Path, annotator: str | None = None,
              overrides: dict | None = None, resume: bool = False,
              listener: Listener = _noop) -> JobResult:
    """Export what changed, then train a new run (from the latest one with ``resume``)."""
    be_nice_to_the_gui()
    project = Project.open(folder)
    warn = Warnings(listener)
    try:
        t0 = time.monotonic()
        listener({"event": "job", "stage": "Exporting", "step": 1, "steps": 2})
        export_for_training(project, annotator, progress, warn)
        t1 = time.monotonic()
        init_from = resumable_run(project, warn) if resume else None
        listener({"event": "job", "stage": "Training", "step": 2, "steps": 2})
        result = _train(project, progress, overrides, init_from, listener, warn)
        return JobResult("train", run=Path(result.run_dir).name, init_from=init_from,
                         stopped=result.stopped, best_epoch=result.best_epoch,
                         history=result.history, metrics=result.metrics,
                         seconds={"export": t1 - t0, "train": time.monotonic() - t1},
                         label_source=label_source(project, annotator), warnings=warn.lines)
    finally:
        project.close()


def _predict_into_staging(project, progress, run, ids, warn=None) -> Path:
    staging = P.new_staging_dir(project)
    try:
        T.predict_project(project, run, ids=ids, progress=progress, out_dir=staging, warn=warn)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def predict_job(progress: Progress, folder: Path, run: str | None = None,
                ids: list[int] | None = None, annotator: str | None = None,
                listener: Listener = _noop) -> JobResult:
    """Predict ``ids`` (default: every trailer) with ``run`` (default: the latest) and publish
    the set when complete."""
    be_nice_to_the_gui()
    project = Project.open(folder)
    warn = Warnings(listener)
    try:
        t0 = time.monotonic()
        info = T.find_run(project, run, warn=warn)
        listener({"event": "job", "stage": "Exporting", "step": 1, "steps": 2})
        export_for_training(project, annotator, progress, warn)  # scenes of new trailers
        listener({"event": "job", "stage": "Predicting", "step": 2, "steps": 2})
        staging = _predict_into_staging(project, progress, info.name, ids, warn)
        progress.check()  # a cancel between the last trailer and now still counts
        published = P.publish(project, staging, info.name)
        return JobResult("predict", run=info.name, predicted=published,
                         seconds={"predict": time.monotonic() - t0}, warnings=warn.lines)
    finally:
        project.close()


def retrain_job(progress: Progress, folder: Path, annotator: str | None = None,
                overrides: dict | None = None, resume: bool = True,
                listener: Listener = _noop) -> JobResult:
    """Export what changed, train (continuing from the latest run when it fits), predict
    every trailer, publish. See the module doc for what Cancel keeps."""
    be_nice_to_the_gui()
    project = Project.open(folder)
    steps = len(RETRAIN_STAGES)
    seconds = {}
    run_dir = None
    warn = Warnings(listener)
    try:
        t = time.monotonic()
        listener({"event": "job", "stage": "Exporting", "step": 1, "steps": steps})
        export_for_training(project, annotator, progress, warn)
        seconds["export"] = time.monotonic() - t

        t = time.monotonic()
        init_from = resumable_run(project, warn) if resume else None
        listener({"event": "job", "stage": "Training", "step": 2, "steps": steps,
                  "init_from": init_from})
        result = _train(project, progress, overrides, init_from, listener, warn)
        run_dir = Path(result.run_dir)
        seconds["train"] = time.monotonic() - t
        if progress.cancelled:  # stopped within a batch: this run must not become the latest
            shutil.rmtree(run_dir, ignore_errors=True)
            raise Cancelled("retrain cancelled while training")

        t = time.monotonic()
        listener({"event": "job", "stage": "Predicting", "step": 3, "steps": steps})
        staging = _predict_into_staging(project, progress, run_dir.name, None, warn)
        seconds["predict"] = time.monotonic() - t

        listener({"event": "job", "stage": "Publishing", "step": 4, "steps": steps})
        try:
            progress.check()
        except Cancelled:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        published = P.publish(project, staging, run_dir.name)
        return JobResult("retrain", run=run_dir.name, init_from=init_from,
                         stopped=result.stopped, predicted=published,
                         best_epoch=result.best_epoch, history=result.history,
                         metrics=result.metrics, seconds=seconds,
                         label_source=label_source(project, annotator), warnings=warn.lines)
    finally:
        project.close()


__all__ = ["JobResult", "RETRAIN_STAGES", "StopFlag", "label_source", "predict_job",
           "resumable_run", "retrain_job", "train_job"]
