"""What an export wrote (``dataset/manifest.json``) and the keys that tell whether an exported
file is still current: the export writes them, ``trailer check`` and the next export compare
them. Keys are short digests of everything a file depends on (the video's content, size,
stride, where the pixels were decoded from; the genres, stride and labels)."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from .errors import DatasetError
from .safe_files import write_bytes_or_explain
from .store import Video

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1



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


PIXEL_SOURCES = ([], ["proxy"], ["scaled-in-decoder"])  # what export._pixel_source can say


def scene_key_of(video: Video, size, stride: int, pixel_source: list[str]) -> str:
    """The key of a scene file: the video's content, the size, the stride and where the
    pixels came from (one home: the export writes it, ``trailer check`` compares it)."""
    return _digest(video.fingerprint, list(size), stride, *pixel_source)


def scene_is_current(video: Video, size, stride: int, key: str | None) -> bool:
    """Whether a manifest's scene key still describes ``video`` at this size and stride,
    whatever the pixels were decoded from."""
    return any(key == scene_key_of(video, size, stride, source) for source in PIXEL_SOURCES)


def labels_key(genres: list[str], stride: int, labels: np.ndarray, spec) -> str:
    """The key of a category file: genres, stride, the labels and whose labels they are."""
    return _digest(genres, stride, labels.tobytes(), list(labels.shape), spec)


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else json.dumps(p, sort_keys=True).encode())
        h.update(b"\0")
    return h.hexdigest()[:24]


def spec_of(manifest: dict) -> dict | None:
    """What makes two exports interchangeable: frame size, stride, genres, label source."""
    if not manifest or "size" not in manifest:
        return None
    return {k: manifest.get(k) for k in ("size", "stride", "genres", "annotator")}


def entries_of(manifest: dict | None) -> dict[int, dict]:
    return {int(t["id"]): t for t in (manifest or {}).get("trailers", [])}


class Manifest:
    """The manifest being written during an export (see the module doc)."""

    def __init__(self, out: Path, spec: dict, in_project: set[int]):
        self.out, self.spec, self.in_project = out, spec, in_project
        self.done: dict[int, dict] = {}
        self.previous_spec: dict | None = None
        self.previous: dict[int, dict] = {}

    def forget(self, video_id: int, scene_changes: bool) -> bool:
        """Drop a trailer whose files are about to be replaced from the listings they would
        no longer match; True if the manifest on disk must follow."""
        changed = self.previous.pop(video_id, None) is not None
        if scene_changes:  # its frame count may change: unlist it until the new files are in
            changed = self.done.pop(video_id, None) is not None or changed
        return changed

    def _listed(self, entries: dict[int, dict]) -> list[dict]:
        return [entries[k] for k in sorted(entries)
                if k in self.in_project
                and (self.out / f"scene_{k}.npy").is_file()
                and (self.out / f"category_{k}.npy").is_file()]

    def write(self) -> None:
        created = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        if self.previous_spec and self._listed(self.previous):
            doc = {"version": MANIFEST_VERSION, **self.previous_spec, "created": created,
                   "trailers": self._listed(self.previous),
                   "pending": {**self.spec, "trailers": self._listed(self.done)}}
        else:
            doc = {"version": MANIFEST_VERSION, **self.spec, "created": created,
                   "trailers": self._listed(self.done)}
        write_bytes_or_explain(self.out / MANIFEST, json.dumps(doc, indent=1).encode())
