"""Shrinking frames for the model: area averaging that halves large frames first.

The export, ``VideoReader.iter_frames(size=)`` and proxies all shrink through
``area_shrink``; it must stay an area average (a constant stays that constant, a frame
already small is exactly ``INTER_AREA``) and differ from one big ``INTER_AREA`` only by the
rounding of the halved frames and, at a sharp edge, by the halved pair of lines that
straddles an output border."""

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailer_gui.core.downscale import MIN_GAP, area_shrink, halvings


def smooth_frame(rng, rows, cols, channels=3):
    """A picture-like frame: noise blurred into blobs (what a video frame looks like)."""
    noise = rng.integers(0, 256, (rows, cols, channels), dtype=np.uint8)
    return cv2.GaussianBlur(noise, (0, 0), 3)


def test_a_1080p_frame_is_halved_twice_on_its_way_to_64x64():
    assert halvings(1080, 1920, 64, 64) == 2  # 1080 -> 540 -> 270 (4.2x 64); 135 would be 2.1x
    assert halvings(1080, 1920, 128, 128) == 1
    assert halvings(720, 1280, 64, 64) == 1
    assert halvings(360, 640, 64, 64) == 0  # 180 < 4 x 64: one uneven area resize
    assert halvings(64, 64, 64, 64) == 0 and halvings(10, 10, 64, 64) == 0
    assert halvings(1080, 1921, 64, 64) == 0  # an odd side: no whole factor 2
    assert halvings(1080 * 4 + 2, 1920, 64, 64) == 1  # 2161 rows after one halving: odd


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(4, 40), cols=st.integers(4, 40), seed=st.integers(0, 2**16))
def test_a_frame_under_8x_the_target_is_exactly_inter_area(rows, cols, seed):
    rng = np.random.default_rng(seed)
    h = int(rng.integers(rows, 2 * MIN_GAP * rows))
    w = int(rng.integers(cols, 2 * MIN_GAP * cols))
    frame = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    if halvings(h, w, rows, cols) == 0:
        want = cv2.resize(frame, (cols, rows), interpolation=cv2.INTER_AREA)
        assert np.array_equal(area_shrink(frame, rows, cols), want)


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(4, 24), cols=st.integers(4, 24), factor=st.floats(8.0, 40.0),
       seed=st.integers(0, 2**16))
def test_halving_first_stays_within_rounding_of_one_area_average(rows, cols, factor, seed):
    rng = np.random.default_rng(seed)
    h, w = int(rows * factor) // 2 * 2, int(cols * factor) // 2 * 2
    frame = smooth_frame(rng, h, w)
    assert halvings(h, w, rows, cols) >= 1
    got = area_shrink(frame, rows, cols).astype(int)
    want = cv2.resize(frame, (cols, rows), interpolation=cv2.INTER_AREA).astype(int)
    assert got.shape == (rows, cols, 3)
    assert np.abs(got - want).max() <= 2
    assert np.abs(got - want).mean() <= 0.5


@settings(max_examples=25, deadline=None)
@given(h=st.integers(8, 700), w=st.integers(8, 700), rows=st.integers(1, 64),
       cols=st.integers(1, 64), level=st.integers(0, 255))
def test_an_even_colour_stays_exactly_that_colour(h, w, rows, cols, level):
    frame = np.full((h, w, 3), level, np.uint8)
    assert np.all(area_shrink(frame, rows, cols) == level)


@pytest.mark.parametrize("edge", range(96, 140))
def test_a_letterbox_edge_moves_only_the_two_rows_beside_the_border_it_straddles(edge):
    """A black bar above a grey picture, its edge at every line from 96 to 139: where the
    edge lies inside a pair of lines halved twice (4 source lines) that straddles the border
    of two output rows, those two rows share the pair's value; no other row moves."""
    frame = np.full((1080, 1920, 3), 200, np.uint8)
    frame[:edge] = 0
    got = area_shrink(frame, 64, 64).astype(int)
    want = cv2.resize(frame, (64, 64), interpolation=cv2.INTER_AREA).astype(int)
    moved = np.nonzero(np.abs(got - want).max(axis=(1, 2)) > 1)[0]
    lines = 2 ** halvings(1080, 1920, 64, 64)  # source lines averaged before the last resize
    per_row = 1080 / 64
    if len(moved):
        assert len(moved) == 2 and moved[1] == moved[0] + 1
        border = moved[1] * per_row  # the output border between the two rows, in source lines
        assert edge // lines * lines < border < (edge // lines + 1) * lines
        # at most half the pair's lines change sides: lines / 2 of per_row lines of contrast
        assert np.abs(got - want).max() <= 200 * (lines / 2) / per_row
    else:
        assert np.abs(got - want).max() <= 1


def test_a_1080p_frame_comes_out_new_and_contiguous_in_every_layout():
    rng = np.random.default_rng(0)
    frame = smooth_frame(rng, 1080, 1920)
    small = area_shrink(frame, 64, 64)
    assert small.shape == (64, 64, 3) and small.dtype == np.uint8 and small.flags.c_contiguous
    grey = area_shrink(frame[:, :, 0], 64, 64)  # one channel works the same way
    assert grey.shape == (64, 64) and np.array_equal(grey, small[:, :, 0])
    same = area_shrink(small, 64, 64)
    assert np.array_equal(same, small) and same is not small
    one_step = cv2.resize(frame, (64, 64), interpolation=cv2.INTER_AREA)
    assert np.abs(small.astype(int) - one_step).max() <= 1
