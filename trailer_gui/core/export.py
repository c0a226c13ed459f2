"""Export the project as the seed's training files, streamed, incremental and atomic.

``dataset/scene_{id}.npy``    (frames, 3, rows, cols) uint8 RGB, channels first
``dataset/category_{id}.npy`` (genres, 1, frames, 1) float32 0/1, genre rows in project order
``dataset/manifest.json``     what was exported from what, so training needs only this folder

Frames stream from the decoder (decoding, resizing and writing overlap in threads:
``core.frame_pipeline``) into a temporary file that is renamed over the target only when
complete: peak memory does not grow with trailer length, and a cancelled or failed export
leaves no half-written file. A trailer whose video, settings and labels did not
change since the last export is skipped; when only its labels changed, only its category file
is rewritten.

Nothing is destroyed before its replacement is complete:

* Each scene file's full size is reserved (``posix_fallocate``) before a frame is written,
  so a full disk is found before any decoding: an ENOSPC error naming the file and the
  space needed, and the temporary file goes.
* Exporting with other settings (size, stride, genres, label source) replaces each trailer's
  files one by one. Until the export completes the manifest keeps describing the previous
  export (the trailers not yet replaced) and lists the finished new ones under ``"pending"``,
  so a failed or cancelled export leaves a consistent, trainable dataset and the next
  export at the new settings continues where this one stopped. Files that no longer fit are
  removed only after the new manifest is in place.
* The manifest only ever lists trailers whose two files exist.
* A video that is missing or was replaced on disk is left out with a warning naming it
  (``ExportReport.unavailable``); when its earlier export still fits, that export is used.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .errors import Cancelled, DatasetError, TrailerError, VideoError
from .export_manifest import (MANIFEST, Manifest, entries_of, labels_key, read_manifest, scene_key_of,
                              spec_of)
from .label_sources import canonical_spec, resolve_labels
from .progress import Progress
from .project_layout import DATASET_DIR
from .shots import detector_for_export, store_export_cuts
from .safe_files import (NO_SPACE, disk_full_error, reserve_space, save_npy_temp, temp_name,
                         write_bytes_or_explain)
from .store import Project, Video


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
    # Shrink each frame in the decoder while converting it (PyAV/swscale, area averaging)
    # instead of OpenCV's full-size BGR frame + INTER_AREA (issue #13: about twice as fast
    # at 1080p, the only way to export at decoding speed on 2 cores; pixels differ a little).
    scale_in_decoder: bool = False

    def __post_init__(self):
        if self.stride < 1:
            raise ValueError(f"stride {self.stride}: must be 1 or more")


@dataclass
class ExportReport:
    folder: Path
    written: list[int] = field(default_factory=list)  # scene and category written
    relabelled: list[int] = field(default_factory=list)  # only the category rewritten
    skipped: list[int] = field(default_factory=list)  # unchanged
    # Videos whose file is missing or was replaced: one line each, naming the video. Those
    # in ``left_out`` are not in the dataset; the others kept their earlier export.
    unavailable: list[str] = field(default_factory=list)
    left_out: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        text = (
            f"{len(self.written)} exported, {len(self.relabelled)} labels updated, "
            f"{len(self.skipped)} unchanged -> {self.folder} ({self.seconds:.1f} s)"
        )
        if self.left_out:
            text += f"; {len(self.left_out)} left out (video unavailable)"
        return text


def dataset_dir(project: Project) -> Path:
    return project.folder / DATASET_DIR


def last_export_settings(project: Project) -> ExportSettings | None:
    """The size and stride of the project's last export, if there was one."""
    try:
        manifest = read_manifest(dataset_dir(project))
    except DatasetError:
        return None
    if not manifest:
        return None
    return ExportSettings(tuple(manifest["size"]), int(manifest["stride"]), manifest.get("annotator"))


def source_indices(video: Video, stride: int) -> range:
    return range(0, video.frames, stride)


def category_array(labels: np.ndarray, stride: int) -> np.ndarray:
    """(frames, genres) bool -> the seed's (genres, 1, sampled frames, 1) float32."""
    sampled = labels[::stride].astype(np.float32)
    return np.ascontiguousarray(sampled.T[:, None, :, None])


def _unavailable(project: Project, video: Video) -> VideoError | None:
    try:
        project.check_video(video)
    except VideoError as exc:
        return exc
    return None


def export_dataset(
    project: Project,
    settings: ExportSettings = ExportSettings(),
    ids: Sequence[int] | None = None,
    progress: Progress | None = None,
    warn: Callable[[str], None] | None = None,
    out: Path | None = None,
) -> ExportReport:
    """Export ``ids`` (default: every video). ``warn(line)`` hears of each unavailable video
    (also in the report). ``out``: write there instead of the project's ``dataset/`` (how a
    read-only project exports: elsewhere; nothing is then written into the project)."""
    progress = progress or Progress()
    started = time.monotonic()
    if out is None and project.read_only:
        raise TrailerError(f"{project.folder}: read-only project: its dataset/ cannot be "
                           "written; export elsewhere (`trailer export PROJECT --out DIR`)")
    out = Path(out) if out is not None else dataset_dir(project)
    out.mkdir(parents=True, exist_ok=True)
    _remove_leftover_temps(out)
    genres = project.genre_names()
    annotator = canonical_spec(settings.annotator, project.annotator)  # the label source spec
    rows, cols = settings.size
    all_videos = project.videos()
    videos = all_videos
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
    spec = {"size": [rows, cols], "stride": settings.stride, "genres": genres, "annotator": annotator}
    in_project = {v.id for v in all_videos}
    # `done`: this spec's trailers (what the manifest lists when the export completes).
    # `previous`: another spec's trailers, listed until their files are replaced.
    manifest = Manifest(out, spec, in_project)
    if spec_of(old) == spec:
        manifest.done = entries_of(old)
    else:
        manifest.previous_spec, manifest.previous = spec_of(old), entries_of(old)
        pending = old.get("pending") or {}
        if spec_of(pending) == spec:  # an earlier export at these settings that did not finish
            manifest.done = entries_of(pending)
    report = ExportReport(out)

    # Decide what each video needs before decoding anything, so progress has a true total.
    plan = []
    for video in videos:
        labels = resolve_labels(project, video.id, annotator)
        scene_key = scene_key_of(video, [rows, cols], settings.stride,
                                  _pixel_source(project, video, settings))
        label_key = labels_key(genres, settings.stride, labels, annotator)
        prev = manifest.done.get(video.id) or manifest.previous.get(video.id) or {}
        scene_ok = prev.get("scene_key") == scene_key and (out / f"scene_{video.id}.npy").is_file()
        label_ok = (prev.get("label_key") == label_key and video.id in manifest.done
                    and (out / f"category_{video.id}.npy").is_file())
        problem = _unavailable(project, video)
        if problem is not None:
            if not scene_ok:
                report.left_out.append(video.id)
                line = (f"video {video.id} left out of the export: {problem}"
                        " (trailer relink, or Locate… in the app, points it at its file)")
                report.unavailable.append(line)
                if warn:
                    warn(line)
                continue
            # Its frames were exported from the video the labels belong to: still usable.
            line = f"video {video.id}: {problem}; its earlier export is used"
            report.unavailable.append(line)
            if warn:
                warn(line)
        plan.append((video, labels, scene_key, label_key, scene_ok, label_ok))

    total = sum(len(source_indices(v, settings.stride)) for v, *_, ok, _l in plan if not ok)
    done = 0
    progress.update(0, total, "Exporting")
    for video, labels, scene_key, label_key, scene_ok, label_ok in plan:
        if scene_ok and label_ok:
            report.skipped.append(video.id)
            # Cuts may have been detected since (trailer shots, or an export at another size).
            entry = manifest.done[video.id]
            entry["cuts"] = exported_cuts(project.cuts(video.id), settings.stride, entry["frames"])
            continue
        temps: list[tuple[Path, Path]] = []  # (finished temporary file, its target)
        try:
            if not scene_ok:
                def step(n, _base=done):
                    progress.update(_base + n, total, f"Exporting {video.name}")

                # Shot cuts for a video that has none yet: from the frames decoded here anyway.
                # (not for a read-only project: the cuts could not be stored)
                shots = (None if project.read_only else
                         detector_for_export(project, video, settings.stride, (rows, cols)))
                target = out / f"scene_{video.id}.npy"
                temps.append((_write_scene(video, target, (rows, cols), settings.stride, step,
                                           shots.feed if shots else None,
                                           proxy=_proxy_for_export(project, video, settings),
                                           scale_in_decoder=settings.scale_in_decoder),
                              target))
                store_export_cuts(project, video, shots)
                done += len(source_indices(video, settings.stride))
            target = out / f"category_{video.id}.npy"
            temps.append((save_npy_temp(target, category_array(labels, settings.stride)), target))
            # Stop listing the trailer before its files change under the manifest's feet.
            if manifest.forget(video.id, scene_changes=not scene_ok):
                manifest.write()
            for tmp, target in temps:
                os.replace(tmp, target)
        except BaseException:
            for tmp, _target in temps:  # cancelled, a decoder error, a full disk
                tmp.unlink(missing_ok=True)
            raise
        (report.written if not scene_ok else report.relabelled).append(video.id)
        manifest.done[video.id] = _entry(project, video, labels, settings, scene_key, label_key)
        # The manifest follows each finished trailer, so a later cancel keeps finished work.
        manifest.write()
    manifest.previous_spec, manifest.previous = None, {}  # complete: only this spec now
    manifest.write()
    _remove_stale_exports(out, keep=set(manifest.done) & in_project)
    progress.update(total, total, "Exported")
    report.seconds = time.monotonic() - started
    return report


def forget_exported(project: Project, video_id: int) -> None:
    """A trailer left the project: unlist it from the manifest (and its pending part), then
    delete its files, so training never reads a trailer that is gone."""
    out = dataset_dir(project)
    try:
        manifest = read_manifest(out)
    except DatasetError:
        manifest = None
    if manifest:
        for part in (manifest, manifest.get("pending") or {}):
            if "trailers" in part:
                part["trailers"] = [t for t in part["trailers"] if int(t["id"]) != int(video_id)]
        write_bytes_or_explain(out / MANIFEST, json.dumps(manifest, indent=1).encode())
    for name in (f"scene_{video_id}.npy", f"category_{video_id}.npy"):
        (out / name).unlink(missing_ok=True)


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


def _pixel_source(project: Project, video: Video, settings: ExportSettings) -> list[str]:
    """What the frames are decoded from, when not OpenCV's decode of the source (part of the
    scene key: switching it re-exports the frames)."""
    if _proxy_for_export(project, video, settings):
        return ["proxy"]
    return ["scaled-in-decoder"] if settings.scale_in_decoder else []


def _write_scene(video: Video, target: Path, size, stride: int, step, on_frame=None,
                 proxy: Path | None = None, scale_in_decoder: bool = False) -> Path:
    """Decode, resize and stream frames into a .npy temporary file beside ``target``, its
    space reserved first; returns it complete (the caller renames it into place).
    ``on_frame(rgb)`` (optional) sees each exported frame, e.g. a shot detector; ``proxy``:
    read the frames from that proxy instead of the video (``core.proxy``);
    ``scale_in_decoder``: see ``ExportSettings``. Decoding and
    resizing run in threads (``core.frame_pipeline``) while this one writes and feeds
    ``on_frame``. Frames are written in order with ``write`` (not through a memory map, whose
    pages would stay resident: a long trailer's export would grow the app's memory)."""
    from .frame_pipeline import export_frames

    indices = source_indices(video, stride)
    shape = (len(indices), 3, *size)
    nbytes = int(np.prod(shape))
    tmp = temp_name(target)
    try:
        try:
            with open(tmp, "wb") as fh:
                np.lib.format.write_array_header_1_0(
                    fh, {"descr": np.lib.format.dtype_to_descr(np.dtype(np.uint8)),
                         "fortran_order": False, "shape": shape})
                offset = fh.tell()
                fh.truncate(offset + nbytes)
            reserve_space(tmp, target)
            written = 0
            with open(tmp, "r+b", buffering=1 << 20) as fh, \
                    export_frames(video.path, video.frames, stride, size, proxy=proxy,
                                  scale_in_decoder=scale_in_decoder) as frames:
                fh.seek(offset)
                for k, frame in enumerate(frames):
                    fh.write(np.ascontiguousarray(frame.transpose(2, 0, 1)))
                    if on_frame is not None:
                        on_frame(frame)
                    written = k + 1
                    if written % 16 == 0:
                        step(written)  # raises Cancelled: the with block stops the threads
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            if exc.errno in NO_SPACE:
                raise disk_full_error(target, nbytes, exc) from exc
            raise
        if written != len(indices):
            raise DatasetError(
                f"{video.path}: decoded {written} frames, expected {len(indices)}"
                + ("; export it without scaling in the decoder" if scale_in_decoder else "")
            )
        step(written)
        return tmp
    except BaseException:
        # Cancelled, a decoder error, a full disk: no half-written file stays behind.
        tmp.unlink(missing_ok=True)
        raise


def _remove_leftover_temps(out: Path) -> None:
    """A killed process can leave a .part file; it is never a finished export."""
    for tmp in out.glob(".*.part*"):
        tmp.unlink(missing_ok=True)


def _remove_stale_exports(out: Path, keep: set[int]) -> None:
    """After a complete export: files the manifest does not list (another size, stride,
    genres or label source; a video removed) no longer match anything."""
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
