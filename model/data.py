"""The dataset folder: manifest, validation, train/validation split, training windows.

NumPy only (no TensorFlow): the GUI can validate an export without paying for TF.

Folder layout (DESIGN.md): ``scene_{id}.npy`` ``(frames, 3, rows, cols)`` uint8 RGB,
``category_{id}.npy`` ``(genres, 1, frames, 1)`` float32 0/1, and optionally
``manifest.json``.  Without a manifest (a seed-style folder) trailers are discovered from the
file pairs and genres are named after the seed's six when there are six, else g0..gN.

Arrays are always opened with ``mmap_mode='r', allow_pickle=False``: reading a window touches
only that window's pages, so memory does not grow with the number or length of trailers.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import DEFAULT_GENRES
from .errors import ModelDataError

MANIFEST = "manifest.json"
_SCENE_RE = re.compile(r"^scene_(\d+)\.npy$")
_CATEGORY_RE = re.compile(r"^category_(\d+)\.npy$")


@dataclass(frozen=True)
class TrailerInfo:
    """One validated trailer of a dataset folder."""

    id: int
    scene_path: Path
    category_path: Path
    frames: int
    rows: int
    cols: int
    genres: int
    labelled: bool
    positives: tuple[int, ...]  # labelled frames per genre
    source_frames: int
    source_indices: tuple[int, ...] | None
    stride: int
    fps: float | None
    # Exported frames where a new shot starts (manifest "cuts"; empty when unknown).
    # Prediction starts the recurrent state afresh there, as training windows start it.
    cuts: tuple[int, ...] = ()

    def source_index_array(self) -> np.ndarray:
        """Source-video frame index of every exported frame."""
        if self.source_indices is not None:
            return np.asarray(self.source_indices, dtype=np.int64)
        return np.arange(self.frames, dtype=np.int64) * self.stride


def default_genre_names(count: int) -> list[str]:
    if count == len(DEFAULT_GENRES):
        return list(DEFAULT_GENRES)
    return [f"g{i}" for i in range(count)]


def scene_path(dataset_dir, trailer_id) -> Path:
    return Path(dataset_dir) / f"scene_{trailer_id}.npy"


def category_path(dataset_dir, trailer_id) -> Path:
    return Path(dataset_dir) / f"category_{trailer_id}.npy"


def open_npy(path, what="array") -> np.ndarray:
    """Memory-map one .npy file; any failure becomes a ModelDataError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise ModelDataError(f"{path}: missing {what} file")
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ModelDataError(f"{path}: cannot read {what} ({exc})") from None


# --------------------------------------------------------------------------- manifest


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def read_manifest(dataset_dir) -> dict:
    """The dataset's manifest, validated and normalised.

    Without ``manifest.json`` one is made up from the scene/category pairs (``"discovered":
    True``).  Every trailer entry gets the keys id, frames (None if unknown), source_frames,
    source_indices, stride, fps and labelled (None = decide from the labels).
    """
    folder = Path(dataset_dir)
    if not folder.is_dir():
        raise ModelDataError(f"{folder}: dataset folder does not exist")
    path = folder / MANIFEST
    if not path.exists():
        return _discover(folder)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelDataError(f"{path}: not a readable JSON manifest ({exc})") from None

    def bad(msg):
        raise ModelDataError(f"{path}: {msg}")

    if not isinstance(data, dict):
        bad("must be a JSON object")
    genres = data.get("genres")
    if (
        not isinstance(genres, list)
        or not genres
        or not all(isinstance(g, str) and g for g in genres)
        or len(set(genres)) != len(genres)
    ):
        bad(f"'genres' must be a non-empty list of distinct names, got {genres!r}")
    size = data.get("size")
    if size is not None and not (
        isinstance(size, list) and len(size) == 2 and all(_is_int(s) and s > 0 for s in size)
    ):
        bad(f"'size' must be [rows, cols], got {size!r}")
    stride = data.get("stride", 1)
    if not (_is_int(stride) and stride >= 1):
        bad(f"'stride' must be a positive integer, got {stride!r}")
    trailers = data.get("trailers")
    if not isinstance(trailers, list):
        bad("'trailers' must be a list")
    entries, seen = [], set()
    for n, t in enumerate(trailers):
        if not isinstance(t, dict) or not _is_int(t.get("id")) or t["id"] < 0:
            bad(f"trailers[{n}] needs an integer 'id' >= 0")
        tid = t["id"]
        if tid in seen:
            bad(f"trailer id {tid} is listed twice")
        seen.add(tid)
        frames = t.get("frames")
        if frames is not None and not (_is_int(frames) and frames >= 0):
            bad(f"trailer {tid}: 'frames' must be a non-negative integer")
        indices = t.get("source_indices")
        if indices is not None and not (
            isinstance(indices, list) and all(_is_int(i) and i >= 0 for i in indices)
        ):
            bad(f"trailer {tid}: 'source_indices' must be null or a list of frame numbers")
        t_stride = t.get("stride", stride)
        if not (_is_int(t_stride) and t_stride >= 1):
            bad(f"trailer {tid}: 'stride' must be a positive integer")
        labelled = t.get("labelled")
        if labelled is not None and not isinstance(labelled, bool):
            bad(f"trailer {tid}: 'labelled' must be true or false")
        fps = t.get("fps")
        if fps is not None and not (isinstance(fps, (int, float)) and fps > 0):
            bad(f"trailer {tid}: 'fps' must be a positive number")
        source_frames = t.get("source_frames")
        if source_frames is not None and not (_is_int(source_frames) and source_frames >= 0):
            bad(f"trailer {tid}: 'source_frames' must be a non-negative integer")
        entries.append(
            {
                **t,
                "id": tid,
                "frames": frames,
                "source_frames": source_frames,
                "source_indices": indices,
                "stride": t_stride,
                "fps": fps,
                "labelled": labelled,
            }
        )
    return {**data, "genres": list(genres), "size": size, "stride": stride,
            "trailers": sorted(entries, key=lambda e: e["id"]), "discovered": False}


def _discover(folder: Path) -> dict:
    scenes, cats = {}, {}
    for p in folder.iterdir():
        if m := _SCENE_RE.match(p.name):
            scenes[int(m.group(1))] = p
        elif m := _CATEGORY_RE.match(p.name):
            cats[int(m.group(1))] = p
    for tid in sorted(set(scenes) ^ set(cats)):
        have, missing = (scenes[tid], category_path(folder, tid)) if tid in scenes else (
            cats[tid], scene_path(folder, tid))
        raise ModelDataError(f"{missing}: missing (its partner {have.name} exists)")
    ids = sorted(scenes)
    genres, size = [], None
    if ids:
        cat = open_npy(cats[ids[0]], "category")
        if cat.ndim != 4:
            raise ModelDataError(
                f"{cats[ids[0]]}: expected shape (genres, 1, frames, 1), got {cat.shape}")
        genres = default_genre_names(int(cat.shape[0]))
        scene = open_npy(scenes[ids[0]], "scene")
        if scene.ndim == 4:
            size = [int(scene.shape[2]), int(scene.shape[3])]
    entries = [
        {"id": tid, "frames": None, "source_frames": None, "source_indices": None,
         "stride": 1, "fps": None, "labelled": None}
        for tid in ids
    ]
    return {"version": 1, "genres": genres, "size": size, "stride": 1, "trailers": entries,
            "discovered": True}


# --------------------------------------------------------------------------- validation


def check_dataset(dataset_dir, ids=None, manifest=None) -> list[TrailerInfo]:
    """Validate the given trailers (default: all) and return their TrailerInfo, by id.

    Raises ModelDataError naming the file and the problem: missing files, wrong rank,
    dtype, channel count or image size, scene/category frame counts that differ, a genre count
    that differs from the manifest's, labels that are not 0/1, an empty dataset.
    """
    folder = Path(dataset_dir)
    manifest = read_manifest(folder) if manifest is None else manifest
    entries = {e["id"]: e for e in manifest["trailers"]}
    if ids is None:
        ids = sorted(entries)
    else:
        ids = [int(i) for i in ids]
        for tid in ids:
            if tid not in entries:
                raise ModelDataError(f"{folder}: trailer {tid} is not in the dataset")
    if not ids:
        raise ModelDataError(f"{folder}: the dataset has no trailers")
    size = manifest.get("size")
    infos = []
    for tid in ids:
        info = _check_trailer(folder, entries[tid], len(manifest["genres"]), size)
        size = size or [info.rows, info.cols]
        infos.append(info)
    return infos


def _check_trailer(folder: Path, entry: dict, n_genres: int, size) -> TrailerInfo:
    tid = entry["id"]
    spath, cpath = scene_path(folder, tid), category_path(folder, tid)
    scene = open_npy(spath, "scene")
    if scene.ndim != 4 or scene.shape[1] != 3:
        raise ModelDataError(f"{spath}: expected shape (frames, 3, rows, cols), got {scene.shape}")
    if scene.dtype != np.uint8:
        raise ModelDataError(f"{spath}: expected dtype uint8 (RGB 0-255), got {scene.dtype}")
    frames, _, rows, cols = (int(s) for s in scene.shape)
    if frames < 1:
        raise ModelDataError(f"{spath}: has no frames")
    if size is not None and [rows, cols] != list(size):
        raise ModelDataError(
            f"{spath}: frames are {rows}x{cols}, the dataset's are {size[0]}x{size[1]}")
    if entry.get("frames") is not None and entry["frames"] != frames:
        raise ModelDataError(
            f"{spath}: has {frames} frames, manifest.json says {entry['frames']}")

    cat = open_npy(cpath, "category")
    if cat.ndim != 4 or cat.shape[1] != 1 or cat.shape[3] != 1:
        raise ModelDataError(f"{cpath}: expected shape (genres, 1, frames, 1), got {cat.shape}")
    if cat.dtype != np.float32:
        raise ModelDataError(f"{cpath}: expected dtype float32, got {cat.dtype}")
    if cat.shape[0] != n_genres:
        raise ModelDataError(f"{cpath}: has {cat.shape[0]} genres, the dataset has {n_genres}")
    if cat.shape[2] != frames:
        raise ModelDataError(
            f"{cpath}: has {cat.shape[2]} frames but {spath.name} has {frames}")
    labels = np.asarray(cat[:, 0, :, 0])  # small: genres x frames
    if not np.all((labels == 0) | (labels == 1)):
        raise ModelDataError(f"{cpath}: labels must be 0 or 1 (found other values or NaN)")
    positives = tuple(int(n) for n in labels.sum(axis=1))

    indices = entry.get("source_indices")
    if indices is not None:
        if len(indices) != frames:
            raise ModelDataError(
                f"{folder / MANIFEST}: trailer {tid} has {len(indices)} source_indices "
                f"for {frames} frames")
        if any(b <= a for a, b in zip(indices, indices[1:])):
            raise ModelDataError(
                f"{folder / MANIFEST}: trailer {tid} source_indices must increase")
    stride = int(entry.get("stride") or 1)
    source_frames = entry.get("source_frames")
    if source_frames is None:
        source_frames = (indices[-1] + 1) if indices else (frames - 1) * stride + 1
    labelled = entry.get("labelled")
    if labelled is None:
        labelled = any(positives)
    cuts = entry.get("cuts") or []
    if not (isinstance(cuts, list) and all(_is_int(c) and 0 < c < frames for c in cuts)
            and all(b > a for a, b in zip(cuts, cuts[1:]))):
        raise ModelDataError(
            f"{folder / MANIFEST}: trailer {tid} cuts must be increasing frame numbers "
            f"from 1 to {frames - 1}, got {str(cuts)[:80]}")
    return TrailerInfo(
        id=tid, scene_path=spath, category_path=cpath, frames=frames, rows=rows, cols=cols,
        genres=n_genres, labelled=bool(labelled), positives=positives,
        source_frames=int(source_frames),
        source_indices=tuple(indices) if indices is not None else None,
        stride=stride, fps=entry.get("fps"), cuts=tuple(int(c) for c in cuts),
    )


def labelled_ids(infos) -> list[int]:
    """Ids usable for training: manifest says labelled, or (no manifest flag) any label set."""
    return [i.id for i in infos if i.labelled]


# --------------------------------------------------------------------------- split, windows


def split_ids(ids, val_fraction=0.2, seed=0) -> tuple[list[int], list[int]]:
    """Seeded split BY TRAILER (never by frame).  At least one trailer on each side when
    there are two or more and val_fraction > 0."""
    ids = sorted(int(i) for i in ids)
    n = len(ids)
    if n < 2 or val_fraction <= 0:
        return ids, []
    n_val = min(max(1, round(n * val_fraction)), n - 1)
    order = np.random.default_rng(seed).permutation(n)
    val = sorted(ids[k] for k in order[:n_val])
    train = sorted(ids[k] for k in order[n_val:])
    return train, val


def steps_per_epoch(total_frames: int, window: int, batch: int) -> int:
    """Steps that cover the training frames about once."""
    return max(1, math.ceil(total_frames / (window * batch)))


def plan_windows(frames: dict[int, int], window: int, count: int, rng) -> list[tuple[int, int]]:
    """`count` (trailer id, start) pairs for one epoch.

    Each trailer is tiled with windows at a random offset (plus one at the start and one at
    the end), so an epoch sees every frame about once and window borders move between epochs;
    then shuffled, and topped up with random windows (weighted by length) or cut to `count`.
    """
    plan = []
    for tid, n in sorted(frames.items()):
        if n <= window:
            plan.append((tid, 0))
            continue
        offset = int(rng.integers(0, window))
        starts = set(range(offset, n - window + 1, window)) | {0, n - window}
        plan.extend((tid, s) for s in sorted(starts))
    order = rng.permutation(len(plan))
    plan = [plan[k] for k in order]
    if len(plan) < count:
        ids = sorted(frames)
        weights = np.array([frames[t] for t in ids], dtype=float)
        picks = rng.choice(len(ids), size=count - len(plan), p=weights / weights.sum())
        for k in picks:
            tid = ids[int(k)]
            plan.append((tid, int(rng.integers(0, max(1, frames[tid] - window + 1)))))
    return plan[:count]


class WindowReader:
    """Reads training windows from memory-mapped scenes.

    Labels (genres x frames float32, tiny) are kept in memory; scenes stay on disk.
    """

    def __init__(self, infos):
        self.infos = {i.id: i for i in infos}
        self._scenes: dict[int, np.ndarray] = {}
        self._labels: dict[int, np.ndarray] = {}

    def scene(self, tid) -> np.ndarray:
        if tid not in self._scenes:
            self._scenes[tid] = open_npy(self.infos[tid].scene_path, "scene")
        return self._scenes[tid]

    def labels(self, tid) -> np.ndarray:
        """(frames, genres) float32 0/1."""
        if tid not in self._labels:
            cat = open_npy(self.infos[tid].category_path, "category")
            self._labels[tid] = np.ascontiguousarray(cat[:, 0, :, 0].T, dtype=np.float32)
        return self._labels[tid]

    def window(self, tid, start, length) -> tuple[np.ndarray, np.ndarray]:
        """Pixels ``(length, 3, rows, cols)`` float32 in [0, 1] and labels ``(length, genres)``.

        A trailer shorter than `length` is padded at the END (the model is causal, so real
        frames are unaffected) with label -1, which the loss ignores.
        """
        scene, labels = self.scene(tid), self.labels(tid)
        chunk = scene[start : start + length]
        x = np.zeros((length,) + scene.shape[1:], np.float32)
        x[: len(chunk)] = chunk
        x *= 1.0 / 255.0
        y = np.full((length, labels.shape[1]), -1.0, np.float32)
        y[: len(chunk)] = labels[start : start + length]
        return x, y
