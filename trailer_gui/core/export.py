"""Export the project as the seed's training files, streamed, incremental and atomic.

``dataset/scene_{id}.npy``    (frames, 3, rows, cols) uint8 RGB, channels first
``dataset/category_{id}.npy`` (genres, 1, frames, 1) float32 0/1, genre rows in project order
``dataset/manifest.json``     what was exported from what, so training needs only this folder

Frames stream from the decoder into a memory-mapped temporary file that is renamed over the
target only when complete: peak memory does not grow with trailer length, and a cancelled or
failed export leaves no half-written file. A trailer whose video, settings and labels did not
change since the last export is skipped; when only its labels changed, only its category file
is rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import Cancelled, DatasetError, TrailerError
from .label_sources import canonical_spec, resolve_labels
from .progress import Progress
from .shots import detector_for_export, store_export_cuts
from .store import Project, Video, atomic_save_npy, atomic_write_bytes

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


def parse_size(text: str | int | Sequence[int]) -> tuple[int, int]:
    """'64' -> (64, 64); '48x64' -> (48, 64) (rows x cols)."""
    if isinstance(text, int):
        rows = cols = text
    elif isinstance(text, (tuple, list)):
        rows, cols = (int(v) for v in text)
    else:
        parts = str(text).lower().split("x")
        try:
            if len(parts) == 1:
                rows = cols = int(parts[0])
            elif len(parts) == 2:
                rows, cols = int(parts[0]), int(parts[1])
            else:
                raise ValueError
        except ValueError:
            raise ValueError(f"size {text!r}: give one number (64) or ROWSxCOLS (48x64)") from None
    if not (4 <= rows <= 2048 and 4 <= cols <= 2048):
        raise ValueError(f"size {rows}x{cols}: each side must be between 4 and 2048")
    return rows, cols


@dataclass(frozen=True)
class ExportSettings:
    size: tuple[int, int] = (64, 64)
    stride: int = 1
    # Whose labels: an annotator's name, or "union:A,B" / "majority:A,B,C" (see
    # core.label_sources); None: the project's annotator.
    annotator: str | None = None
    # Decode the video's proxy instead of the source where it is usable and at least as large
    # as ``size`` (issue #14: much faster; the pixels differ a little, see README).
    from_proxy: bool = False

    def __post_init__(self):
        if self.stride < 1:
            raise ValueError(f"stride {self.stride}: must be 1 or more")


@dataclass
class ExportReport:
    folder: Path
    written: list[int] = field(default_factory=list)  # scene and category written
    relabelled: list[int] = field(default_factory=list)  # only the category rewritten
    skipped: list[int] = field(default_factory=list)  # unchanged
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{len(self.written)} exported, {len(self.relabelled)} labels updated, "
            f"{len(self.skipped)} unchanged -> {self.folder} ({self.seconds:.1f} s)"
        )


def dataset_dir(project: Project) -> Path:
    return project.folder / "dataset"


def read_manifest(folder: Path) -> dict | None:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise DatasetError(f"{path}: unreadable ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("version") != MANIFEST_VERSION:
        raise DatasetError(f"{path}: not a version-{MANIFEST_VERSION} manifest")
    return manifest


def last_export_settings(project: Project) -> ExportSettings | None:
    """The size and stride of the project's last export, if there was one."""
    try:
        manifest = read_manifest(dataset_dir(project))
    except DatasetError:
        return None
    if not manifest:
        return None
    return ExportSettings(tuple(manifest["size"]), int(manifest["stride"]), manifest.get("annotator"))


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else json.dumps(p, sort_keys=True).encode())
        h.update(b"\0")
    return h.hexdigest()[:24]


def source_indices(video: Video, stride: int) -> range:
    return range(0, video.frames, stride)


def category_array(labels: np.ndarray, stride: int) -> np.ndarray:
    """(frames, genres) bool -> the seed's (genres, 1, sampled frames, 1) float32."""
    sampled = labels[::stride].astype(np.float32)
    return np.ascontiguousarray(sampled.T[:, None, :, None])


def export_dataset(
    project: Project,
    settings: ExportSettings = ExportSettings(),
    ids: Sequence[int] | None = None,
    progress: Progress | None = None,
) -> ExportReport:
    progress = progress or Progress()
    started = time.monotonic()
    out = dataset_dir(project)
    out.mkdir(parents=True, exist_ok=True)
    _remove_leftover_temps(out)
    genres = project.genre_names()
    annotator = canonical_spec(settings.annotator, project.annotator)  # the label source spec
    rows, cols = settings.size
    videos = project.videos()
    if ids is not None:
        known = {v.id for v in videos}
        missing = sorted(set(ids) - known)
        if missing:
            raise TrailerError(f"{project.folder}: no video with id {', '.join(map(str, missing))}")
        videos = [v for v in videos if v.id in set(ids)]

    try:
        old = read_manifest(out) or {}
    except DatasetError:
        old = {}  # an unreadable manifest only costs a full re-export
    same_format = (
        old.get("size") == [rows, cols]
        and old.get("stride") == settings.stride
        and old.get("genres") == genres
    )
    entries: dict[int, dict] = {}
    if same_format:
        entries = {int(t["id"]): t for t in old.get("trailers", [])}
        if old.get("annotator") != annotator:
            # Another label source: scenes stay valid (the label keys include the source, so
            # categories are rewritten); trailers not exported now would keep the old
            # source's labels, so they leave the dataset rather than mix sources.
            now = {v.id for v in videos}
            entries = {k: e for k, e in entries.items() if k in now}
            _remove_stale_exports(out, keep=now)
    else:
        _remove_stale_exports(out, keep=set())

    # Decide what each video needs before decoding anything, so progress has a true total.
    plan = []
    for video in videos:
        project.check_video(video)
        labels = resolve_labels(project, video.id, annotator)
        scene_key = _digest(video.fingerprint, [rows, cols], settings.stride,
                            *(["proxy"] if _proxy_for_export(project, video, settings) else []))
        label_key = _digest(genres, settings.stride, labels.tobytes(), list(labels.shape), annotator)
        prev = entries.get(video.id, {})
        scene_ok = prev.get("scene_key") == scene_key and (out / f"scene_{video.id}.npy").is_file()
        label_ok = prev.get("label_key") == label_key and (out / f"category_{video.id}.npy").is_file()
        plan.append((video, labels, scene_key, label_key, scene_ok, label_ok))

    report = ExportReport(out)
    total = sum(len(source_indices(v, settings.stride)) for v, *_, ok, _l in plan if not ok)
    done = 0
    progress.update(0, total, "Exporting")
    for video, labels, scene_key, label_key, scene_ok, label_ok in plan:
        if scene_ok and label_ok:
            report.skipped.append(video.id)
            # Cuts may have been detected since (trailer shots, or an export at another size).
            entries[video.id]["cuts"] = exported_cuts(project.cuts(video.id), settings.stride,
                                                      entries[video.id]["frames"])
            continue
        if not scene_ok:
            def step(n, _base=done):
                progress.update(_base + n, total, f"Exporting {video.name}")

            # Shot cuts for a video that has none yet: from the frames decoded here anyway.
            shots = detector_for_export(project, video, settings.stride, (rows, cols))
            _write_scene(video, out / f"scene_{video.id}.npy", (rows, cols), settings.stride, step,
                         shots.feed if shots else None,
                         proxy=_proxy_for_export(project, video, settings))
            store_export_cuts(project, video, shots)
            done += len(source_indices(video, settings.stride))
        atomic_save_npy(out / f"category_{video.id}.npy", category_array(labels, settings.stride))
        (report.written if not scene_ok else report.relabelled).append(video.id)
        entries[video.id] = _entry(project, video, labels, settings, scene_key, label_key)
        # The manifest follows each finished trailer, so a later cancel keeps finished work.
        _write_manifest(out, genres, (rows, cols), settings.stride, annotator, entries)
    _write_manifest(out, genres, (rows, cols), settings.stride, annotator, entries)
    progress.update(total, total, "Exported")
    report.seconds = time.monotonic() - started
    return report


def exported_cuts(cuts, stride: int, frames: int) -> list[int]:
    """Source-frame shot cuts as exported frames: the first exported frame of each shot
    (a shot shorter than the stride that exports no frame of its own is dropped)."""
    out = sorted({-(-int(c) // stride) for c in cuts or ()})
    return [c for c in out if 0 < c < frames]


def _entry(project, video, labels, settings, scene_key, label_key) -> dict:
    frames = len(source_indices(video, settings.stride))
    return {
        "id": video.id,
        "video": project._stored_path(video.path),
        "frames": frames,
        "source_frames": video.frames,
        "source_indices": None,  # derived from the stride: range(0, source_frames, stride)
        "fps": video.fps,
        "labelled": bool(labels.any()),
        "scene_key": scene_key,
        "label_key": label_key,
        # Exported frames where a shot starts: prediction restarts the recurrent state there.
        "cuts": exported_cuts(project.cuts(video.id), settings.stride, frames),
    }


def _write_manifest(out, genres, size, stride, annotator, entries) -> None:
    manifest = {
        "version": MANIFEST_VERSION,
        "genres": genres,
        "size": list(size),
        "stride": stride,
        "annotator": annotator,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "trailers": [entries[k] for k in sorted(entries)],
    }
    atomic_write_bytes(out / MANIFEST, json.dumps(manifest, indent=1).encode())


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.part{os.getpid()}")


def _proxy_for_export(project: Project, video: Video, settings: ExportSettings) -> Path | None:
    """The proxy to export ``video`` from (issue #14), or None: the source. Only a usable proxy
    at least as large as the exported size (never an upscaled picture)."""
    if not settings.from_proxy:
        return None
    from .proxy import proxy_geometry, valid_proxy

    path = valid_proxy(project.folder, video)
    _k, width, height = proxy_geometry(video.width, video.height)
    rows, cols = settings.size
    return path if path is not None and rows <= height and cols <= width else None


def _write_scene(video: Video, target: Path, size, stride: int, step, on_frame=None,
                 proxy: Path | None = None) -> None:
    """Decode, resize and stream frames into a memory-mapped .npy, then rename it in place.
    ``on_frame(rgb)`` (optional) sees each exported frame, e.g. a shot detector; ``proxy``:
    read the frames from that proxy instead of the video (``core.proxy``)."""
    from .proxy import ProxyReader
    from .video import VideoReader

    indices = source_indices(video, stride)
    tmp = _temp_name(target)
    try:
        scene = np.lib.format.open_memmap(
            tmp, mode="w+", dtype=np.uint8, shape=(len(indices), 3, *size)
        )
        written = 0
        with (ProxyReader(proxy) if proxy is not None else VideoReader(video.path)) as reader:
            for k, frame in enumerate(reader.iter_frames(0, video.frames, stride, size=size)):
                scene[k] = frame.transpose(2, 0, 1)
                if on_frame is not None:
                    on_frame(frame)
                written = k + 1
                if written % 16 == 0:
                    step(written)
        if written != len(indices):
            raise DatasetError(
                f"{video.path}: decoded {written} frames, expected {len(indices)}"
            )
        scene.flush()
        del scene
        os.replace(tmp, target)
        step(written)
    except BaseException:
        # Cancelled, a decoder error, a full disk: no half-written file stays behind.
        tmp.unlink(missing_ok=True)
        raise


def _remove_leftover_temps(out: Path) -> None:
    """A killed process can leave a .part file; it is never a finished export."""
    for tmp in out.glob(".*.part*"):
        tmp.unlink(missing_ok=True)


def _remove_stale_exports(out: Path, keep: set[int]) -> None:
    """The format (size, stride, genres) or label source changed: older files no longer match."""
    for path in list(out.glob("scene_*.npy")) + list(out.glob("category_*.npy")):
        try:
            vid = int(path.stem.split("_", 1)[1])
        except ValueError:
            continue
        if vid not in keep:
            path.unlink(missing_ok=True)


__all__ = [
    "Cancelled", "ExportReport", "ExportSettings", "export_dataset", "parse_size",
    "read_manifest", "last_export_settings", "category_array", "dataset_dir",
]
