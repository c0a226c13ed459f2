"""Filmstrip thumbnails kept on disk (issue #14), so that reopening a project shows its
filmstrip at once instead of decoding the trailer again.

``proxies/thumbs/<id>-<fingerprint hash>/<height>/<frame>.jpg``: one small JPEG per thumbnail
(quality 90), written to a temporary name and renamed. The folder name carries the video's
fingerprint: thumbnails of a changed video are never shown, and its old folder is removed
when the first new thumbnail is written. Like the proxies, deleting them loses nothing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from pathlib import Path

import cv2
import numpy as np

from .proxy import PROXY_DIR

JPEG_QUALITY = 90


class ThumbCache:
    """Thumbnails of one video (RGB uint8 arrays in and out). Thread-safe: only files."""

    def __init__(self, project_folder: str | os.PathLike, video_id: int, fingerprint: str):
        digest = hashlib.blake2b(fingerprint.encode(), digest_size=6).hexdigest()
        self.root = Path(project_folder) / PROXY_DIR / "thumbs"
        self.prefix = f"{int(video_id)}-"
        self.dir = self.root / f"{self.prefix}{digest}"
        self._cleaned = False
        self._lock = threading.Lock()

    def file(self, frame: int, height: int) -> Path:
        return self.dir / str(int(height)) / f"{int(frame)}.jpg"

    def get(self, frame: int, height: int) -> np.ndarray | None:
        path = self.file(frame, height)
        if not path.is_file():
            return None
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None or bgr.shape[0] != int(height):
            return None  # unreadable or not ours: made again
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def put(self, frame: int, height: int, rgb: np.ndarray) -> None:
        """Keep a thumbnail; a full or read-only disk only costs decoding it again later."""
        self._remove_stale()
        path = self.file(frame, height)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                                    [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            if ok:
                tmp.write_bytes(data.tobytes())
                os.replace(tmp, path)
        except OSError:
            pass
        finally:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass

    def _remove_stale(self) -> None:
        with self._lock:
            if self._cleaned:
                return
            self._cleaned = True
        try:
            for d in self.root.iterdir():
                if d.name.startswith(self.prefix) and d != self.dir:
                    shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass
