"""Shot boundaries: a streaming cut detector, cut-aware range snapping and shot lookup.

Detection (``ShotDetector``)
    Each decoded frame is shrunk to 64 columns (``thumbnail``: a strided view, then
    ``INTER_AREA``) and described by three cheap features, each blind to a different
    nuisance:

    * a hue-saturation histogram (12 hues x 2 saturations, plus 3 grey levels): blind to
      motion, and to a frame brightening or darkening as a whole (a fade, a beat pulse); but
      two scenes of similar colour look alike to it;
    * the grey image, blurred, normalised to zero mean and unit contrast in windows a
      quarter of the frame wide: blind to brightness changes, even in part of the frame, not
      to a new picture of the same colours;
    * an edge map (the strongest 15 % of gradients): the *edge change ratio*, the share of
      one frame's edges with no edge within two pixels in the other, also catches a new
      picture of the same colours.

    The dissimilarity ``d(a, b)`` of two frames is the sum of the three: histogram distance
    (half the L1 norm, 0..1), mean absolute difference of the normalised images, edge change
    ratio (0..1). The last two, blind to colour, are its *shape* part.

    A cut before frame ``t`` must separate *both* frames before it from *both* frames after
    it: its score is the smallest of ``d(a, b)`` over a in {t-2, t-1}, b in {t, t+1}. A
    single flash frame (an explosion, a lightning strike, a horror flicker) then scores low,
    because the frames on either side of it still match.

    The threshold adapts to the shot. With a flash in it, the smallest dissimilarity across
    ``t`` compares frames two apart, so the yardstick is how much the shot changes in two
    frames, ``d(n-2, n)``, over the current shot (back to the last cut, at most ``window``
    frames) and the next ``lookahead`` frames: the score must exceed ``median + k * MAD``
    (MAD scaled to a standard deviation) of those. Fast motion and camera shake raise it, a
    still shot lowers it. While fewer than ``young`` such values are known (the first frames
    of a video or shot) it must beat each of them. The score must also exceed an absolute
    ``floor`` (and its shape part ``shape_floor``: a colour change alone, like a coloured
    light, is no cut), be the strongest among its neighbours, and come at least ``min_shot``
    frames after the last cut.

    A cut is reported as the first frame of the new shot, so a video with cuts
    ``[c1, c2, ...]`` has shots ``[0, c1), [c1, c2), ..., [cn, frames)``. ``feed`` returns
    the cuts it could confirm (``lookahead + 2`` frames late); ``finish`` settles the end.

    Where it runs: ``Project.add_video`` feeds it from the decoding pass ``probe`` makes
    anyway (``probe(frame_hook=...)``); an export feeds it the frames it decodes for a video
    that has no cuts yet; ``ensure_cuts`` (``trailer shots``) decodes once more if need be.
    Measured precision, recall and cost: ``tests/benchmarks/bench_shots.py`` and the README.

Snapping (``snap_range``, ``shot_at``)
    Pure functions over a sorted cut list; the video's ends count as boundaries too.

Nothing here imports Qt.
"""

from __future__ import annotations

import os
from bisect import bisect_left, bisect_right
from typing import Callable, Iterable, Sequence

import cv2
import numpy as np

__all__ = [
    "DETECTOR",
    "SNAP_TOLERANCE",
    "ShotDetector",
    "detect_cuts",
    "ensure_cuts",
    "match_cuts",
    "pack_cuts",
    "precision_recall",
    "shot_at",
    "shots_from_cuts",
    "snap_range",
    "thumbnail",
    "unpack_cuts",
]

# Stored beside the cuts, so a better detector can tell which videos to redo.
DETECTOR = "shots-v1"
SNAP_TOLERANCE = 4  # frames: how close a painted edge must come to a cut to snap to it

THUMB_COLS = 64  # width of the frames the detector looks at
_DILATE = np.ones((5, 5), np.uint8)  # edges within 2 pixels count as kept
_BLUR = (5, 5)  # before normalising contrast: small shifts of sharp edges matter less


def thumbnail(frame: np.ndarray, cols: int = THUMB_COLS) -> np.ndarray:
    """``frame`` (H, W, 3) uint8 shrunk to ``cols`` columns (rows by aspect), cheaply: a
    strided view down to at most 4x the target, then ``INTER_AREA``. Channel order is kept."""
    h, w = frame.shape[:2]
    rows = max(2, int(round(h * cols / max(w, 1))))
    step = max(1, min(h // (4 * rows), w // (4 * cols)))
    if step > 1:
        frame = frame[::step, ::step]
    if frame.shape[0] == rows and frame.shape[1] == cols:
        return np.ascontiguousarray(frame)
    return cv2.resize(frame, (cols, rows), interpolation=cv2.INTER_AREA)


def thumbnail_rows(height: int, width: int, cols: int = THUMB_COLS) -> int:
    """The rows ``thumbnail`` gives a ``height`` x ``width`` frame."""
    return max(2, int(round(height * cols / max(width, 1))))


# ---------------------------------------------------------------------------- features

# Hue-saturation histogram: 12 hues x 2 saturations for coloured pixels, 3 grey levels for
# the rest (black, grey, white).
_HUES, _SATS = 12, 2
_GREY_SAT, _DARK, _WHITE = 40, 40, 170  # of 255
_BINS = _HUES * _SATS + 3
_EDGE_QUANTILE = 0.85  # edges: gradients above this quantile ...
_EDGE_FLOOR = 6  # ... and above this (grey levels per pixel)
_CONTRAST_FLOOR = 8.0  # grey levels: flatter windows are not stretched


class _Features:
    __slots__ = ("hist", "z", "edges", "near", "n_edges")

    def __init__(self, small: np.ndarray, bgr: bool):
        hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV if bgr else cv2.COLOR_RGB2HSV)
        self.hist = _hue_histogram(hsv)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY if bgr else cv2.COLOR_RGB2GRAY)
        self.z = _local_contrast(grey)
        # Gradient magnitude (|dx| + |dy|) / 2 by central differences (numpy: OpenCV's
        # threaded filters cost more in dispatch than in work on a 64x36 image); the
        # strongest share of it, above a floor, are the edges.
        p = cv2.copyMakeBorder(grey, 1, 1, 1, 1, cv2.BORDER_REFLECT).astype(np.int16)
        mag = ((np.abs(p[1:-1, 2:] - p[1:-1, :-2]) + np.abs(p[2:, 1:-1] - p[:-2, 1:-1])) >> 1)
        mag = mag.astype(np.uint8)
        counts = np.cumsum(cv2.calcHist([mag], [0], None, [256], [0, 256]).ravel())
        level = int(np.searchsorted(counts, _EDGE_QUANTILE * mag.size))
        self.edges = mag > max(level, _EDGE_FLOOR)
        self.n_edges = int(np.count_nonzero(self.edges))
        self.near = cv2.dilate(self.edges.view(np.uint8), _DILATE).view(bool)


# Hue-saturation histogram: bin of each (hue, saturation) for coloured pixels, of each value
# for the grey (or black) ones.
_HUE_BIN = np.array([min(h, 179) * _HUES // 180 * _SATS for h in range(256)], np.uint8)
_GREY_BIN = np.array([_HUES * _SATS + (v >= _DARK) + (v >= _WHITE) for v in range(256)], np.uint8)


def _hue_histogram(hsv: np.ndarray) -> np.ndarray:
    h, s, v = cv2.split(hsv)
    coloured = cv2.inRange(hsv, (0, _GREY_SAT, _DARK), (255, 255, 255)).view(bool)
    idx = np.where(coloured, cv2.LUT(h, _HUE_BIN) + (s >> 7), cv2.LUT(v, _GREY_BIN))
    return cv2.calcHist([idx], [0], None, [_BINS], [0, _BINS]).ravel() / idx.size


def _local_contrast(grey: np.ndarray) -> np.ndarray:
    """Grey image normalised to zero mean and unit contrast in a window about a quarter of
    the frame wide: a brightness change in part of the frame (a pulse, a flicker on one
    half) leaves it as it was; a new picture does not. Nearly flat regions stay flat."""
    rows, cols = grey.shape
    k = (max(3, cols // 4) | 1, max(3, rows // 4) | 1)
    blur = cv2.GaussianBlur(grey.astype(np.float32), _BLUR, 0)
    mean = cv2.blur(blur, k, borderType=cv2.BORDER_REFLECT)
    var = cv2.subtract(cv2.blur(cv2.multiply(blur, blur), k, borderType=cv2.BORDER_REFLECT),
                       cv2.multiply(mean, mean))
    return cv2.divide(cv2.subtract(blur, mean), cv2.sqrt(cv2.max(var, _CONTRAST_FLOOR**2)))


def _edge_change(a: _Features, b: _Features) -> float:
    na, nb = a.n_edges, b.n_edges
    if na == 0 and nb == 0:
        return 0.0
    if na == 0 or nb == 0:
        return 1.0
    gone = np.count_nonzero(a.edges & ~b.near) / na
    new = np.count_nonzero(b.edges & ~a.near) / nb
    return float(max(gone, new))


def _dissimilarity(a: _Features, b: _Features) -> tuple[float, float]:
    """(all three features, the two blind to colour: contrast image and edges)."""
    hist = 0.5 * cv2.norm(a.hist, b.hist, cv2.NORM_L1)
    shape = cv2.norm(a.z, b.z, cv2.NORM_L1) / a.z.size + _edge_change(a, b)
    return hist + shape, shape


# ---------------------------------------------------------------------------- detector


class ShotDetector:
    """Streaming cut detector: ``feed`` frames in order (any size, uint8, RGB unless
    ``bgr``), then ``finish``. See the module docstring for the method and the parameters.
    Memory stays constant (a few thumbnails and a window of numbers)."""

    name = DETECTOR

    def __init__(
        self,
        *,
        k: float = 2.5,
        floor: float = 0.5,
        shape_floor: float = 0.45,
        window: int = 24,
        lookahead: int = 4,
        min_shot: int = 4,
        cols: int = THUMB_COLS,
        bgr: bool = False,
        young: int = 12,
    ):
        self.k = float(k)
        self.young = int(young)
        self.floor = float(floor)
        self.shape_floor = float(shape_floor)
        self.window = max(3, int(window))
        self.lookahead = max(1, int(lookahead))
        self.min_shot = max(1, int(min_shot))
        self.cols = int(cols)
        self.bgr = bool(bgr)
        self.frames = 0  # frames fed so far
        self._feats: dict[int, _Features] = {}  # the last 4 frames
        self._gap1: dict[int, tuple[float, float]] = {}  # n -> d(n-1, n)
        self._gap2: dict[int, tuple[float, float]] = {}  # n -> d(n-2, n)
        self._score: dict[int, tuple[float, float]] = {}  # t -> min d across a cut before t
        self._judged = 1  # frames < this are settled (frame 0 never starts a cut)
        self._cuts: list[int] = []
        self._finished = False

    # ---- feeding -------------------------------------------------------------------------
    def feed(self, frame: np.ndarray) -> list[int]:
        """Add the next frame; returns the cuts this frame confirmed (usually none)."""
        return self.feed_small(thumbnail(frame, self.cols))

    def feed_small(self, small: np.ndarray) -> list[int]:
        """``feed`` for a frame already shrunk to about ``cols`` columns (uint8 HxWx3)."""
        if self._finished:
            raise RuntimeError("the detector has finished; make a new one")
        n = self.frames
        f = self._feats[n] = _Features(small, self.bgr)
        self._feats.pop(n - 4, None)
        self.frames = n + 1
        if n >= 1:
            self._gap1[n] = _dissimilarity(self._feats[n - 1], f)
        if n >= 2:
            self._gap2[n] = _dissimilarity(self._feats[n - 2], f)
            # Frame n completes the four frames around a cut before n-1.
            pairs = [self._gap1[n - 1], self._gap2[n]]  # d(n-2, n-1), d(n-2, n)
            if n >= 3:  # d(n-3, n-1), d(n-3, n)
                pairs += [self._gap2[n - 1], _dissimilarity(self._feats[n - 3], f)]
            self._score[n - 1] = _smallest(pairs)
        found: list[int] = []
        while self._judged <= n - 2 - self.lookahead:
            found += self._judge(self._judged)
        return found

    def finish(self) -> list[int]:
        """Settle the last frames and return every cut found (sorted)."""
        if not self._finished:
            self._finished = True
            last = self.frames - 1
            if last >= 1:  # a cut before the last frame: only frame `last` is after it
                self._score[last] = _smallest(
                    [v for v in (self._gap1.get(last), self._gap2.get(last)) if v is not None]
                )
            while self._judged <= last:
                self._judge(self._judged)
            self._feats.clear()
        return list(self._cuts)

    @property
    def cuts(self) -> list[int]:
        """The cuts confirmed so far."""
        return list(self._cuts)

    # ---- deciding ------------------------------------------------------------------------
    def _judge(self, t: int) -> list[int]:
        self._judged = t + 1
        last_cut = self._cuts[-1] if self._cuts else 0
        if t % 32 == 0:
            self._forget(min(t - self.window, last_cut) - 2)
        if t not in self._score or t - last_cut < self.min_shot:
            return []
        score, shape = self._score[t]
        # Colour alone is not enough: a coloured light or a pulse in a blend shifts hues.
        if score <= self.floor or shape <= self.shape_floor:
            return []
        g2 = self._gap2
        # Pairs (n-2, n) inside the current shot before t, and inside the frames after t.
        lo = max(last_cut, t - self.window)
        noise = [g2[n][0] for n in range(lo + 2, t) if n in g2]
        noise += [g2[n][0] for n in range(t + 2, t + 2 + self.lookahead) if n in g2]
        if score <= _robust_threshold(noise, self.k):
            return []
        # Little evidence yet (a video's or a shot's first frames): beat every change seen.
        if len(noise) < self.young and noise and score <= max(noise):
            return []
        # The strongest among its neighbours (a cut is one frame; a flash next to a cut
        # lifts the scores beside it).
        if any(self._score.get(i, (0.0,))[0] > score for i in (t - 1, t + 1)):
            return []
        self._cuts.append(t)
        return [t]

    def _forget(self, before: int) -> None:
        for table in (self._gap1, self._gap2, self._score):
            for i in [i for i in table if i < before]:
                del table[i]


def _smallest(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    return min(p[0] for p in pairs), min(p[1] for p in pairs)


def _robust_threshold(values: Sequence[float], k: float, min_spread: float = 0.03) -> float:
    """median + k * MAD of ``values`` (the MAD scaled to a standard deviation, at least
    ``min_spread``); 0 when there are fewer than 3 (the floors alone decide)."""
    if len(values) < 3:
        return 0.0
    h = np.asarray(values, np.float64)
    med = float(np.median(h))
    mad = 1.4826 * float(np.median(np.abs(h - med)))
    return med + k * max(mad, min_spread)


def detect_cuts(
    path: str | os.PathLike,
    *,
    progress: Callable[[int, int], object] | None = None,
    detector: ShotDetector | None = None,
) -> list[int]:
    """Cuts of a video file, decoding it once (``VideoReader.iter_frames``, small frames).
    ``progress(done, total)`` every 64 frames; raising from it stops the pass."""
    from .video_reader import VideoReader

    det = detector or ShotDetector()
    with VideoReader(path) as reader:
        total = reader.frame_count
        rows = thumbnail_rows(reader.info.height, reader.info.width, det.cols)
        for i, small in enumerate(reader.iter_frames(size=(rows, det.cols))):
            det.feed_small(small)
            if progress is not None and (i + 1) % 64 == 0:
                progress(i + 1, total)
    if progress is not None:
        progress(total, total)
    return det.finish()


def ensure_cuts(project, video_id: int, progress=None) -> list[int]:
    """The video's stored cuts; if it has none yet (added before shots were detected),
    detect them now (one decoding pass) and store them."""
    cuts = project.cuts(video_id)
    if cuts is None:
        video = project.video(video_id)
        detector = ShotDetector()
        cuts = detect_cuts(video.path, progress=progress, detector=detector)
        project.set_cuts(video.id, cuts, detector.name)
    return cuts


EXPORT_MIN_COLS = 48  # narrower export frames are too coarse to look for cuts in


def detector_for_export(project, video, stride: int, size: tuple[int, int]) -> ShotDetector | None:
    """A detector to feed the frames an export decodes anyway, if ``video`` has no stored
    cuts, the export sees every frame (``stride == 1``) and its frames are at least
    ``EXPORT_MIN_COLS`` wide; else None. Export frames (64x64 by default, aspect squeezed)
    suit the detector, which looks at 64 columns anyway."""
    if stride != 1 or size[1] < EXPORT_MIN_COLS or project.cuts(video.id) is not None:
        return None
    return ShotDetector()


def store_export_cuts(project, video, detector: ShotDetector | None) -> None:
    """Store what ``detector_for_export``'s detector found, if it saw every frame."""
    if detector is not None and detector.frames == video.frames:
        project.set_cuts(video.id, detector.finish(), detector.name)


# ---------------------------------------------------------------------------- evaluation


def match_cuts(found: Iterable[int], truth: Iterable[int], tolerance: int = 1) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives): each true cut matches at most one
    found cut within ``tolerance`` frames (greedy, nearest first)."""
    found = sorted(set(int(c) for c in found))
    truth = sorted(set(int(c) for c in truth))
    pairs = sorted(
        (abs(f - t), f, t) for f in found for t in truth if abs(f - t) <= tolerance
    )
    used_f: set[int] = set()
    used_t: set[int] = set()
    for _d, f, t in pairs:
        if f not in used_f and t not in used_t:
            used_f.add(f)
            used_t.add(t)
    tp = len(used_t)
    return tp, len(found) - tp, len(truth) - tp


def precision_recall(tp: int, fp: int, fn: int) -> tuple[float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall


# ---------------------------------------------------------------------------- shots and snapping


def _clean(cuts: Iterable[int] | None, frames: int) -> list[int]:
    """Sorted unique cuts strictly inside (0, frames)."""
    if not cuts:
        return []
    return sorted({int(c) for c in cuts if 0 < int(c) < frames})


def shots_from_cuts(cuts: Iterable[int] | None, frames: int) -> list[tuple[int, int]]:
    """The shots ``[(start, stop), ...]`` that the cuts divide ``frames`` frames into."""
    if frames <= 0:
        return []
    bounds = [0, *_clean(cuts, frames), frames]
    return list(zip(bounds[:-1], bounds[1:]))


def shot_at(frame: int, cuts: Iterable[int] | None, frames: int) -> tuple[int, int]:
    """The shot ``(start, stop)`` holding ``frame`` (clamped into the video)."""
    if frames <= 0:
        return (0, 0)
    cs = _clean(cuts, frames)
    f = min(max(int(frame), 0), frames - 1)
    i = bisect_right(cs, f)
    start = cs[i - 1] if i > 0 else 0
    stop = cs[i] if i < len(cs) else frames
    return start, stop


def snap_range(
    start: int,
    stop: int,
    cuts: Iterable[int] | None,
    frames: int,
    tolerance: int = SNAP_TOLERANCE,
) -> tuple[int, int]:
    """Move each edge of the frame range ``[start, stop)`` to the nearest shot boundary (a
    cut, or the video's start or end) within ``tolerance`` frames, if there is one.

    An edge a little short of a boundary extends to it, one a little past it is pulled back
    to it, so a painted range covers whole shots. Ties go outwards (the range grows). The
    result always lies in ``[0, frames]``; if snapping would leave the range empty (both
    edges drawn to the same cut: a range of a few frames around a cut), the range is only
    clamped. Snapping a snapped range changes nothing.
    """
    lo, hi = sorted((int(start), int(stop)))
    lo, hi = max(0, min(lo, frames)), max(0, min(hi, frames))
    if frames <= 0 or hi <= lo:
        return lo, hi
    bounds = [0, *_clean(cuts, frames), frames]
    tol = max(0, int(tolerance))

    def nearest(x: int, outwards: int) -> int:
        i = bisect_left(bounds, x - tol)
        best = x
        best_key = None
        while i < len(bounds) and bounds[i] <= x + tol:
            b = bounds[i]
            # Nearest first; on a tie prefer the outward side (-1: lower, +1: higher).
            key = (abs(b - x), 0 if (b - x) * outwards >= 0 else 1)
            if best_key is None or key < best_key:
                best, best_key = b, key
            i += 1
        return best

    a, b = nearest(lo, -1), nearest(hi, +1)
    if b <= a:
        return lo, hi
    return a, b


# ---------------------------------------------------------------------------- storage format


def pack_cuts(cuts: Sequence[int]) -> bytes:
    """Cuts as little-endian int32 (the ``shots.cuts`` column)."""
    return np.asarray(sorted(set(int(c) for c in cuts)), dtype="<i4").tobytes()


def unpack_cuts(blob: bytes | None) -> list[int]:
    if not blob:
        return []
    return [int(c) for c in np.frombuffer(blob, dtype="<i4")]
