"""Prediction over whole trailers, source-frame mapping, evaluation, bad input."""

import json

import numpy as np
import pytest

from model.build import build_model, build_seed_model, seed_weights_to_fast
from model.errors import ModelDataError, ModelRunError
from model.evaluate import evaluate
from model.predict import Predictor, load, predict, predict_dataset, predict_file, to_source_frames


@pytest.fixture(scope="module")
def tiny_model():
    return build_model(16, 16, 3, filters=(4, 3, 2), dense=(8, 4))


def test_chunks_carry_state_so_result_equals_one_pass(tiny_model):
    scene = np.random.default_rng(0).integers(0, 256, (23, 3, 16, 16), dtype=np.uint8)
    whole = tiny_model(scene[None].astype(np.float32) / 255.0, training=False)
    whole = np.concatenate([np.asarray(o)[0] for o in whole], axis=-1)
    predictor = Predictor(tiny_model, chunk=5)  # 5 chunks, the last one padded
    probs = predictor.predict(scene)
    assert probs.shape == (23, 3) and probs.dtype == np.float32
    np.testing.assert_allclose(probs, whole, atol=1e-5)
    np.testing.assert_allclose(predictor.predict(scene), probs, atol=1e-6)  # state reset
    np.testing.assert_allclose(predict(tiny_model, scene, chunk=64), whole, atol=1e-5)


def test_state_starts_afresh_at_each_cut(tiny_model):
    """With cuts, each shot is predicted as if it were a trailer of its own: the state of
    the shot before does not carry over (training windows also start from a fresh state)."""
    scene = np.random.default_rng(1).integers(0, 256, (30, 3, 16, 16), dtype=np.uint8)
    predictor = Predictor(tiny_model, chunk=8)
    shots = np.concatenate([predictor.predict(scene[a:b]) for a, b in ((0, 11), (11, 19), (19, 30))])
    with_cuts = predictor.predict(scene, cuts=[19, 11, 0, 30, 11])  # unsorted, repeats, ends
    np.testing.assert_allclose(with_cuts, shots, atol=1e-6)
    carried = predictor.predict(scene)
    np.testing.assert_allclose(carried[:11], with_cuts[:11], atol=1e-6)  # before the first cut
    assert np.abs(carried[11:] - with_cuts[11:]).max() > 1e-4


def test_shots_side_by_side_give_each_shot_its_own_pass(tiny_model):
    """Shots of different lengths run as lanes of one batch, in chunks, padded at their
    ends: every frame gets what a pass of the plain model over its shot alone gives."""
    scene = np.random.default_rng(2).integers(0, 256, (61, 3, 16, 16), dtype=np.uint8)
    cuts = [3, 20, 22, 40, 47]  # shots of 3, 17, 2, 18, 7 and 14 frames
    bounds = [0, *cuts, len(scene)]
    expected = np.concatenate([
        np.concatenate([np.asarray(o)[0] for o in tiny_model(
            scene[None, a:b].astype(np.float32) / 255.0, training=False)], axis=-1)
        for a, b in zip(bounds[:-1], bounds[1:])])
    for lanes, chunk in ((4, 5), (8, 64), (1, 7)):
        predictor = Predictor(tiny_model, chunk=chunk, lanes=lanes)
        np.testing.assert_allclose(predictor.predict(scene, cuts), expected, atol=1e-5)
    # The literal seed model's Keras ConvLSTM2D needs a fixed batch: one lane, same answer.
    seed = build_seed_model(16, 16, 3, filters=(4, 3, 2), dense=(8, 4), output_activation="sigmoid")
    seed_weights_to_fast(seed, fast := build_model(16, 16, 3, filters=(4, 3, 2), dense=(8, 4),
                                                   seed_head=True, bn_momentum=0.99))
    literal = Predictor(seed, chunk=6)
    assert literal.lanes == 1
    np.testing.assert_allclose(literal.predict(scene, cuts), Predictor(fast, chunk=6).predict(
        scene, cuts), atol=1e-5)


@pytest.mark.parametrize("scene, problem", [
    (np.zeros((4, 3, 16, 16), np.float32), "dtype"),
    (np.zeros((4, 16, 16, 3), np.uint8), "shape"),
    (np.zeros((4, 3, 12, 16), np.uint8), "shape"),
    (np.zeros((0, 3, 16, 16), np.uint8), "no frames"),
    ([[0]], "numpy array"),
])
def test_bad_scene(tiny_model, scene, problem):
    with pytest.raises(ModelDataError, match=problem):
        predict(tiny_model, scene)


def test_to_source_frames_nearest_with_ties_to_earlier():
    probs = np.array([[0.0], [1.0], [2.0]])
    out = to_source_frames(probs, [0, 4, 8], source_frames=11)
    # source 0..10 -> nearest of 0, 4, 8 (2 and 6 are ties -> earlier)
    assert out[:, 0].tolist() == [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]
    assert to_source_frames(probs, [2, 3, 9]).shape == (10, 1)
    with pytest.raises(ValueError):
        to_source_frames(probs, [0, 1])


def test_predict_dataset_and_file(trained_run, dataset_dir):
    result, _ = trained_run
    preds = predict_dataset(result.run_dir, dataset_dir, ids=[0, 6])
    assert sorted(preds) == [0, 6]
    assert preds[0].shape == (80, 6) and preds[6].shape == (120, 6)
    assert preds[0].dtype == np.float32 and ((preds[0] >= 0) & (preds[0] <= 1)).all()
    single = predict_file(result.run_dir, dataset_dir / "scene_6.npy")
    np.testing.assert_allclose(single, preds[6], atol=1e-5)
    mapped = predict_file(load(result.run_dir), dataset_dir / "scene_6.npy",
                          source_indices=np.arange(120) * 2, source_frames=240)
    assert mapped.shape == (240, 6)
    np.testing.assert_allclose(mapped[::2], preds[6], atol=1e-5)


def test_predict_dataset_maps_to_source_frames_with_stride(trained_run, make_dataset):
    result, _ = trained_run
    folder = make_dataset(lengths=(30,), stride=3)
    out = predict_dataset(result.run_dir, folder, source=True)
    assert out[0].shape == (90, 6)  # manifest: source_frames = 30 * 3


def test_evaluate_default_ids_and_mismatches(trained_run, dataset_dir, tmp_path):
    result, _ = trained_run
    metrics = evaluate(result.run_dir, dataset_dir, ids=result.val_ids)
    assert set(metrics) == {"comedy", "action", "horror", "thriller", "musical", "other", "macro"}
    # Another genre count than the model's
    other = tmp_path / "other"
    other.mkdir()
    np.save(other / "scene_0.npy", np.zeros((10, 3, 24, 24), np.uint8))
    np.save(other / "category_0.npy", np.ones((3, 1, 10, 1), np.float32))
    with pytest.raises(ModelDataError, match="3 genres"):
        evaluate(result.run_dir, other)
    # Another frame size
    np.save(other / "scene_0.npy", np.zeros((10, 3, 32, 32), np.uint8))
    np.save(other / "category_0.npy", np.ones((6, 1, 10, 1), np.float32))
    with pytest.raises(ModelDataError, match="32x32"):
        evaluate(result.run_dir, other)


def test_missing_or_broken_run(tmp_path):
    with pytest.raises(ModelRunError, match="model.keras"):
        load(tmp_path)
    (tmp_path / "model.keras").write_bytes(b"not a zip")
    with pytest.raises(ModelRunError, match="model.keras"):
        load(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"x": 1}))
    with pytest.raises(ModelRunError):
        predict_dataset(tmp_path, tmp_path)
