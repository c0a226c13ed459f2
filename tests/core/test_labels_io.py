"""Labels in and out: category npy and CSV segments, exact round trips, clear refusals."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from trailer_gui.core.errors import LabelFormatError
from trailer_gui.core.labels_io import read_labels, write_labels

GENRES = ["comedy", "action", "horror", "thriller", "musical", "other"]


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 80), st.integers(0, 2**31), st.sampled_from([".npy", ".csv"]))
def test_round_trip_is_exact(tmp_path_factory, frames, seed, suffix):
    labels = np.random.default_rng(seed).random((frames, 6)) < 0.4
    path = tmp_path_factory.mktemp("l") / f"labels{suffix}"
    write_labels(path, labels, GENRES)
    assert np.array_equal(read_labels(path, frames, GENRES), labels)


def test_npy_is_the_seed_category_format(tmp_path):
    labels = np.zeros((10, 6), bool)
    labels[2:4, 3] = True
    write_labels(tmp_path / "c.npy", labels, GENRES)
    arr = np.load(tmp_path / "c.npy")
    assert arr.shape == (6, 1, 10, 1) and arr.dtype == np.float32


def test_two_dimensional_npy_is_accepted(tmp_path):
    arr = np.zeros((6, 10), np.float32)
    arr[1, 3:5] = 1
    np.save(tmp_path / "c.npy", arr)
    assert read_labels(tmp_path / "c.npy", 10, GENRES)[3:5, 1].all()


def test_csv_reads_segments_with_exclusive_end(tmp_path):
    (tmp_path / "s.csv").write_text("genre,start_frame,end_frame\naction,2,5\nhorror,0,1\n")
    labels = read_labels(tmp_path / "s.csv", 6, GENRES)
    assert labels[:, 1].tolist() == [0, 0, 1, 1, 1, 0]
    assert labels[:, 2].tolist() == [1, 0, 0, 0, 0, 0]


@pytest.mark.parametrize(
    "content, message",
    [
        (np.zeros((6, 1, 9, 1), np.float32), "9 frames; the video has 10"),
        (np.zeros((5, 1, 10, 1), np.float32), "5 genre rows; the project has 6"),
        (np.zeros((6, 10, 2)), "shape"),
        (np.full((6, 10), 0.5), "0 or 1"),
    ],
)
def test_npy_that_does_not_fit_is_refused(tmp_path, content, message):
    np.save(tmp_path / "bad.npy", content)
    with pytest.raises(LabelFormatError, match=message):
        read_labels(tmp_path / "bad.npy", 10, GENRES)


def test_pickled_npy_is_never_loaded(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(LabelFormatError, match="obj.npy"):
        read_labels(tmp_path / "obj.npy", 10, GENRES)


@pytest.mark.parametrize(
    "text, message",
    [
        ("western,0,3\n", "unknown genre 'western'"),
        ("action,0,11\n", "does not fit the video's 10 frames"),
        ("action,5,5\n", "does not fit"),
        ("action,a,b\n", "whole numbers"),
        ("action,1\n", "expected genre,start_frame,end_frame"),
    ],
)
def test_csv_that_does_not_fit_is_refused(tmp_path, text, message):
    (tmp_path / "bad.csv").write_text(text)
    with pytest.raises(LabelFormatError, match=message):
        read_labels(tmp_path / "bad.csv", 10, GENRES)


def test_missing_and_unknown_files(tmp_path):
    with pytest.raises(LabelFormatError, match="not found"):
        read_labels(tmp_path / "nope.csv", 10, GENRES)
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(LabelFormatError, match="unknown label format"):
        read_labels(tmp_path / "x.txt", 10, GENRES)
