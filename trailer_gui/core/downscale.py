"""Shrinking a frame for the model: area averaging, halved first while the frame is large.

Every frame the model sees (an export's ``scene_{id}.npy``, ``VideoReader.iter_frames(size=)``,
a proxy read at a size) is shrunk by ``area_shrink``, so what it trains on and what it
predicts on are the same pixels, bit for bit, whichever path decoded them.

Why halve first: OpenCV's ``INTER_AREA`` has a fast path only for whole factors in both
directions, and 1080 -> 64 (16.875) is not one. The general path costs 8.6 ms a 1080p frame
on one core here (Xeon, Dec 2026), as much as decoding the frame; halving twice with the
whole-factor path (1.2 + 0.3 ms) and then area-averaging 480x270 -> 64x64 (1.0 ms) costs
1.8-2.4 ms. This is what Pillow's ``reducing_gap`` does: a box reduction by a whole factor, then
the fair resampling, which keeps at least ``MIN_GAP`` source pixels per output pixel.
An average of averages is the same average where no halved pair of lines straddles the
border between two output pixels; where one does, its two lines share one weight. On video
frames that moves a pixel by 0.1-0.2 of 255 on average (at most 2 on smooth pictures); a
sharp edge inside such a pair (a letterbox bar's) moves the two output rows beside that
border by up to about 12 levels, while a one-step ``INTER_AREA`` would move it by none: the
filter is a slightly softer area average, applied alike wherever frames are made for the
model (tests/core/test_downscale.py). Odd sides are never halved: cutting a line off would
shift the picture, so such a frame takes the general path.
"""

from __future__ import annotations

import cv2
import numpy as np

# Halve while the halved frame still has at least this many source pixels per output pixel
# in each direction: the last, uneven area resize then averages >= 4x4 pixels per output
# pixel, so a halved pair that straddles an output border is a small share of that pixel.
MIN_GAP = 4


def halvings(height: int, width: int, rows: int, cols: int) -> int:
    """How many times a ``height`` x ``width`` frame is halved on its way to ``rows`` x ``cols``:
    while both sides are even (an odd side has no whole factor 2; cutting a line off would
    shift the picture) and the halved frame keeps ``MIN_GAP`` pixels per output pixel."""
    n = 0
    while (height % 2 == 0 and width % 2 == 0
           and height // 2 >= MIN_GAP * rows and width // 2 >= MIN_GAP * cols):
        height, width, n = height // 2, width // 2, n + 1
    return n


def area_shrink(image: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """``image`` (rows, cols[, channels], uint8) shrunk to ``rows`` x ``cols`` by area
    averaging; a new array. A frame already that size is copied; a smaller one is enlarged
    (``INTER_AREA`` enlarges bilinearly)."""
    h, w = image.shape[:2]
    if (h, w) == (rows, cols):
        return image.copy()
    for _ in range(halvings(h, w, rows, cols)):
        h, w = h // 2, w // 2
        image = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
    return cv2.resize(image, (cols, rows), interpolation=cv2.INTER_AREA)


__all__ = ["MIN_GAP", "area_shrink", "halvings"]
