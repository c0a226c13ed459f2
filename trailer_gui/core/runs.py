"""Run-length form of one genre's per-frame labels: the compact on-disk form.

A boolean vector is stored as the sorted, disjoint half-open segments ``[start, stop)`` where
it is true, packed as little-endian int32 pairs. A 20,000-frame trailer with a few dozen
labelled scenes takes a few hundred bytes per genre.
"""

from __future__ import annotations

import numpy as np


def to_segments(mask: np.ndarray) -> np.ndarray:
    """(n,) bool -> (k, 2) int32 array of [start, stop) segments."""
    mask = np.asarray(mask, dtype=bool)
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return edges.reshape(-1, 2).astype(np.int32)


def from_segments(segments: np.ndarray, frames: int) -> np.ndarray:
    mask = np.zeros(frames, dtype=bool)
    for start, stop in np.asarray(segments).reshape(-1, 2):
        mask[start:stop] = True
    return mask


def pack(mask: np.ndarray) -> bytes:
    return to_segments(mask).astype("<i4").tobytes()


def unpack(blob: bytes, frames: int) -> np.ndarray:
    segments = np.frombuffer(blob, dtype="<i4").reshape(-1, 2)
    if segments.size and (segments.min() < 0 or segments.max() > frames):
        raise ValueError(f"stored segments run past the video's {frames} frames")
    return from_segments(segments, frames)
