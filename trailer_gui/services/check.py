"""``trailer check``: everything that could stop a project from working, one line each.

Read-only from start to end: the store is opened with ``mode=ro`` (a damaged store is named,
never opened for writing), videos are fingerprinted, exports compared with the manifest and
the labels now, and each finished model run checked without TensorFlow
(``model.files.check_run``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from ..core.backup import DB_NAME, inspect_store, newest_good_backup
from ..core.errors import TrailerError
from ..core.project_layout import MODELS_DIR


@dataclass(frozen=True)
class Problem:
    kind: str  # store | video-missing | video-changed | export-missing | export-stale | run
    path: str  # the file it is about
    text: str  # one line: the path, what is wrong, and what to do when there is a remedy

    def as_dict(self) -> dict:
        return asdict(self)


KINDS = ("store", "video-missing", "video-changed", "export-missing", "export-stale", "run")


def check_project(folder: str | Path) -> list[Problem]:
    folder = Path(folder)
    if not (folder / DB_NAME).is_file():
        raise TrailerError(f"{folder}: not a trailer-gui project (no {DB_NAME})")
    problems = _check_store(folder)
    if not problems:
        from ..core.store import Project

        try:
            project = Project.open(folder, read_only=True)
        except TrailerError as exc:  # e.g. an older schema, which a read-only open cannot upgrade
            problems.append(Problem("store", str(folder / DB_NAME), str(exc)))
        else:
            try:
                problems += _check_videos(project)
                problems += _check_exports(project)
            finally:
                project.close()
    problems += _check_runs(folder)
    return problems


def _check_store(folder: Path) -> list[Problem]:
    db = folder / DB_NAME
    problem = inspect_store(db, thorough=True).problem
    if problem is None:
        return []
    good = newest_good_backup(folder)
    hint = (f"newest good backup: {good.relative_to(folder).as_posix()}; "
            f"run `trailer restore {folder}`") if good else "no good backup in backups/"
    return [Problem("store", str(db), f"{db}: damaged ({problem}); {hint}")]


def _check_videos(project) -> list[Problem]:
    from ..core.errors import VideoChanged, VideoMissing

    out = []
    for video in project.videos():
        try:
            project.check_video(video)
        except VideoMissing:
            out.append(Problem("video-missing", str(video.path),
                               f"{video.path}: video {video.id} not found"))
        except VideoChanged:
            out.append(Problem("video-changed", str(video.path),
                               f"{video.path}: video {video.id} changed on disk since it was added"))
    return out


def _check_exports(project) -> list[Problem]:
    """Manifest entries whose files are missing, whose video is gone or changed, or whose
    labels changed since they were exported (training would learn old labels)."""
    from ..core.errors import DatasetError
    from ..core.export import dataset_dir
    from ..core.export_manifest import MANIFEST, labels_key, read_manifest, scene_is_current
    from ..core.label_sources import resolve_labels

    out_dir = dataset_dir(project)
    manifest_path = out_dir / MANIFEST
    try:
        manifest = read_manifest(out_dir)
    except DatasetError as exc:
        return [Problem("export-stale", str(manifest_path), f"{exc}; run `trailer export`")]
    if not manifest:
        return []
    remedy = f"run `trailer export {project.folder}`"
    genres = project.genre_names()
    if manifest.get("genres") != genres:
        return [Problem("export-stale", str(manifest_path),
                        f"{manifest_path}: exported with genres {manifest.get('genres')}, the "
                        f"project now has {genres}; {remedy}")]
    videos = {v.id: v for v in project.videos()}
    size, stride, spec = manifest.get("size"), manifest.get("stride"), manifest.get("annotator")
    out = []
    for entry in manifest.get("trailers", []):
        try:
            vid = int(entry["id"])
        except (KeyError, TypeError, ValueError):
            out.append(Problem("export-stale", str(manifest_path),
                               f"{manifest_path}: an entry without a video id; {remedy}"))
            continue
        scene, category = out_dir / f"scene_{vid}.npy", out_dir / f"category_{vid}.npy"
        missing = [p for p in (scene, category) if not p.is_file()]
        for path in missing:
            out.append(Problem("export-missing", str(path),
                               f"{path}: listed in {manifest_path.name} but missing; {remedy}"))
        video = videos.get(vid)
        if video is None:
            out.append(Problem("export-stale", str(category),
                               f"{category}: exported from video {vid}, which is no longer in the"
                               f" project; {remedy}"))
            continue
        if missing:
            continue
        if not scene_is_current(video, size, stride, entry.get("scene_key")):
            out.append(Problem("export-stale", str(scene),
                               f"{scene}: video {vid} changed since it was exported; {remedy}"))
        try:
            labels = resolve_labels(project, vid, spec)
        except TrailerError as exc:
            out.append(Problem("export-stale", str(category), f"{category}: {exc}"))
            continue
        if entry.get("label_key") != labels_key(genres, stride, labels, spec):
            out.append(Problem("export-stale", str(category),
                               f"{category}: labels of video {vid} changed since they were "
                               f"exported; {remedy}"))
    return out


def _check_runs(folder: Path) -> list[Problem]:
    """Finished runs (a model.keras) that could not be loaded. A folder with only a config
    is a run in progress (or an interrupted one), which retraining does not pick."""
    from model.files import MODEL_FILE, check_run

    models = folder / MODELS_DIR
    out = []
    if models.is_dir():
        for run in sorted(p for p in models.iterdir() if p.is_dir()):
            if not (run / MODEL_FILE).exists():
                continue
            reason = check_run(run)
            if reason is not None:
                out.append(Problem("run", str(run), f"{reason} (run {run.name} cannot be used)"))
    return out
