"""Dataset folder: manifest, discovery, validation errors, split, windows (no TensorFlow)."""

import json

import numpy as np
import pytest

from model import data as D
from model.config import DEFAULT_GENRES, TrainConfig
from model.errors import ModelConfigError, ModelDataError


def test_check_dataset_reads_manifest(make_dataset):
    folder = make_dataset(lengths=(40, 30), labelled={1: False}, stride=2)
    infos = D.check_dataset(folder)
    assert [i.id for i in infos] == [0, 1]
    assert (infos[0].frames, infos[0].rows, infos[0].cols, infos[0].genres) == (40, 24, 24, 6)
    assert D.labelled_ids(infos) == [0]
    assert list(infos[0].source_index_array()[:3]) == [0, 2, 4]
    assert sum(infos[0].positives) > 0


def test_seed_style_folder_without_manifest(make_dataset):
    folder = make_dataset(lengths=(20, 25), manifest=False)
    manifest = D.read_manifest(folder)
    assert manifest["discovered"] and manifest["genres"] == list(DEFAULT_GENRES)
    infos = D.check_dataset(folder)
    assert [i.frames for i in infos] == [20, 25]
    # The seed's own loader reads the files unchanged.
    scene = np.load(folder / "scene_0.npy")
    category = np.load(folder / "category_0.npy")
    assert np.array([scene]).shape == (1, 20, 3, 24, 24) and category.shape == (6, 1, 20, 1)


def test_genre_names_default_to_g_numbers_when_not_six(tmp_path):
    np.save(tmp_path / "scene_0.npy", np.zeros((5, 3, 8, 8), np.uint8))
    np.save(tmp_path / "category_0.npy", np.zeros((3, 1, 5, 1), np.float32))
    assert D.read_manifest(tmp_path)["genres"] == ["g0", "g1", "g2"]


def test_unlabelled_trailers_without_manifest_are_those_without_labels(tmp_path):
    np.save(tmp_path / "scene_0.npy", np.zeros((5, 3, 8, 8), np.uint8))
    np.save(tmp_path / "category_0.npy", np.zeros((6, 1, 5, 1), np.float32))
    np.save(tmp_path / "scene_1.npy", np.zeros((5, 3, 8, 8), np.uint8))
    cat = np.zeros((6, 1, 5, 1), np.float32)
    cat[2, 0, 1:3, 0] = 1
    np.save(tmp_path / "category_1.npy", cat)
    assert D.labelled_ids(D.check_dataset(tmp_path)) == [1]


# --------------------------------------------------------------------------- bad input


def _corrupt(folder, how):
    """Apply one corruption; return the file name the error must mention."""
    if how == "missing scene":
        (folder / "scene_1.npy").unlink()
        return "scene_1.npy"
    if how == "missing category":
        (folder / "category_1.npy").unlink()
        return "category_1.npy"
    if how == "frame counts differ":
        np.save(folder / "category_1.npy", np.zeros((6, 1, 29, 1), np.float32))
        return "category_1.npy"
    if how == "wrong genre count":
        np.save(folder / "category_1.npy", np.zeros((5, 1, 30, 1), np.float32))
        return "category_1.npy"
    if how == "scene dtype":
        np.save(folder / "scene_1.npy", np.zeros((30, 3, 24, 24), np.float32))
        return "scene_1.npy"
    if how == "category dtype":
        np.save(folder / "category_1.npy", np.zeros((6, 1, 30, 1), np.int64))
        return "category_1.npy"
    if how == "scene rank":
        np.save(folder / "scene_1.npy", np.zeros((30, 3, 24), np.uint8))
        return "scene_1.npy"
    if how == "category rank":
        np.save(folder / "category_1.npy", np.zeros((6, 30), np.float32))
        return "category_1.npy"
    if how == "channels":
        np.save(folder / "scene_1.npy", np.zeros((30, 4, 24, 24), np.uint8))
        return "scene_1.npy"
    if how == "image size":
        np.save(folder / "scene_1.npy", np.zeros((30, 3, 20, 24), np.uint8))
        return "scene_1.npy"
    if how == "labels not 0/1":
        cat = np.zeros((6, 1, 30, 1), np.float32)
        cat[0, 0, 3, 0] = np.nan
        np.save(folder / "category_1.npy", cat)
        return "category_1.npy"
    if how == "pickled object array":
        np.save(folder / "scene_1.npy", np.array([object()] * 3), allow_pickle=True)
        return "scene_1.npy"
    if how == "truncated file":
        data = (folder / "scene_1.npy").read_bytes()
        (folder / "scene_1.npy").write_bytes(data[: len(data) // 2])
        return "scene_1.npy"
    if how == "manifest frames":
        m = json.loads((folder / "manifest.json").read_text())
        m["trailers"][1]["frames"] = 31
        (folder / "manifest.json").write_text(json.dumps(m))
        return "scene_1.npy"
    if how == "manifest not json":
        (folder / "manifest.json").write_text("{not json")
        return "manifest.json"
    if how == "manifest cuts":
        m = json.loads((folder / "manifest.json").read_text())
        m["trailers"][1]["cuts"] = [12, 5]  # not increasing
        (folder / "manifest.json").write_text(json.dumps(m))
        return "manifest.json"
    if how == "manifest genres":
        m = json.loads((folder / "manifest.json").read_text())
        m["genres"] = "comedy"
        (folder / "manifest.json").write_text(json.dumps(m))
        return "manifest.json"
    raise AssertionError(how)


BAD = [
    "missing scene", "missing category", "frame counts differ", "wrong genre count",
    "scene dtype", "category dtype", "scene rank", "category rank", "channels", "image size",
    "labels not 0/1", "pickled object array", "truncated file", "manifest frames",
    "manifest not json", "manifest genres", "manifest cuts",
]


@pytest.mark.parametrize("how", BAD)
def test_bad_dataset_raises_naming_the_file(make_dataset, how):
    folder = make_dataset(lengths=(40, 30, 50))
    name = _corrupt(folder, how)
    with pytest.raises(ModelDataError) as err:
        D.check_dataset(folder)
    assert name in str(err.value)
    assert isinstance(err.value, ValueError)


def test_missing_partner_without_manifest(make_dataset):
    folder = make_dataset(lengths=(20, 20), manifest=False)
    (folder / "category_1.npy").unlink()
    with pytest.raises(ModelDataError, match="category_1.npy"):
        D.check_dataset(folder)


def test_empty_and_missing_dataset(tmp_path):
    with pytest.raises(ModelDataError, match="no trailers"):
        D.check_dataset(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"genres": ["a"], "trailers": []}))
    with pytest.raises(ModelDataError, match="no trailers"):
        D.check_dataset(tmp_path)
    with pytest.raises(ModelDataError, match="does not exist"):
        D.check_dataset(tmp_path / "nope")


def test_unknown_id(make_dataset):
    with pytest.raises(ModelDataError, match="trailer 9"):
        D.check_dataset(make_dataset(lengths=(10,)), ids=[9])


# --------------------------------------------------------------------------- split, windows


def test_split_is_by_trailer_seeded_and_disjoint():
    train, val = D.split_ids(range(10), 0.2, seed=3)
    assert len(val) == 2 and len(train) == 8 and not set(train) & set(val)
    assert (train, val) == D.split_ids(range(10), 0.2, seed=3)
    assert D.split_ids(range(10), 0.2, seed=4) != (train, val)
    assert D.split_ids([5], 0.2) == ([5], [])
    assert len(D.split_ids([1, 2], 0.2)[1]) == 1


def test_plan_windows_covers_every_frame_and_has_exact_count():
    rng = np.random.default_rng(0)
    frames = {0: 100, 1: 37, 2: 5}
    plan = D.plan_windows(frames, 16, 20, rng)
    assert len(plan) == 20
    covered = {t: np.zeros(n, bool) for t, n in frames.items()}
    for tid, start in D.plan_windows(frames, 16, 1000, np.random.default_rng(1)):
        assert 0 <= start and (start + 16 <= frames[tid] or start == 0)
        covered[tid][start : start + 16] = True
    assert all(c.all() for c in covered.values())


def test_window_reader_scales_pads_and_masks(make_dataset):
    folder = make_dataset(lengths=(10,))
    reader = D.WindowReader(D.check_dataset(folder))
    x, y = reader.window(0, 0, 16)
    assert x.shape == (16, 3, 24, 24) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0 and x[:10].max() > 0.5
    assert (y[10:] == -1).all() and set(np.unique(y[:10])) <= {0.0, 1.0}
    assert isinstance(reader.scene(0), np.memmap)  # never loaded whole


def test_train_config_json_round_trip_and_validation():
    cfg = TrainConfig(epochs=3, window=8, init_from="/x/run", model_options={"dense": [64, 8]})
    assert TrainConfig.from_json(cfg.to_json()) == cfg
    for bad in (dict(epochs=0), dict(window=0), dict(lr=-1.0), dict(strategy="tpu"),
                dict(val_fraction=1.0), dict(monitor="acc"), dict(steps_per_epoch=0)):
        with pytest.raises(ModelConfigError):
            TrainConfig(**bad).validate()
    with pytest.raises(ModelConfigError, match="unknown"):
        TrainConfig.from_json('{"epochz": 3}')
