"""Training-time generalisation aids: augmentation, mixing, head dropout, cosine schedule."""

import numpy as np
import pytest

from model.augment import augment_window, colour_matrix, mix_windows
from model.config import TrainConfig
from model.errors import ModelConfigError


def _window(seed=0, frames=8, rows=6, cols=10):
    rng = np.random.default_rng(seed)
    return rng.random((frames, 3, rows, cols)).astype(np.float32)


def test_augment_keeps_shape_range_and_is_seeded():
    x = _window()
    a = augment_window(x, np.random.default_rng(1))
    b = augment_window(x, np.random.default_rng(1))
    assert a.shape == x.shape and a.dtype == np.float32
    assert 0.0 <= a.min() and a.max() <= 1.0
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, x)
    assert augment_window(x, np.random.default_rng(1), strength=0) is x


def test_augment_is_the_same_for_every_frame_of_a_window():
    """One draw per window: identical frames stay identical (motion is untouched)."""
    frame = _window(frames=1)
    x = np.repeat(frame, 5, axis=0)
    a = augment_window(x, np.random.default_rng(3))
    assert np.allclose(a, a[:1])


def test_colour_matrix_rotates_hue_about_grey():
    m = colour_matrix(0.1, 1.0, [1, 1, 1], 1.0)
    np.testing.assert_allclose(m @ np.ones(3), np.ones(3), atol=1e-6)  # greys stay grey
    red = m @ np.array([1.0, 0, 0])
    assert red[0] < 1 and red[1] > 0  # red turned towards green


def test_mix_shows_both_windows_with_both_genres():
    xa, xb = np.zeros((8, 3, 6, 10), np.float32), np.ones((8, 3, 6, 10), np.float32)
    ya = np.zeros((8, 6), np.float32)
    ya[:, 1] = 1
    yb = np.zeros((8, 6), np.float32)
    yb[:, 4] = 1
    yb[6:] = -1  # b is padded at the end
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(30):
        x, y = mix_windows(xa, ya, xb, yb, rng)
        assert x.shape == xa.shape and x.dtype == np.float32
        assert 0.2 < x.mean() < 0.8  # some of each
        np.testing.assert_array_equal(y[:6, [1, 4]], 1)
        assert y[:6].sum() == 12 and (y[6:] == -1).all()
        if np.allclose(x, 0.5):
            seen.add("blend")
        elif (x[..., 0, :] == x[..., -1, :]).all():
            seen.add("left-right")
        else:
            seen.add("top-bottom")
    assert seen == {"blend", "left-right", "top-bottom"}


def test_pipeline_augments_and_mixes_training_windows_only(make_dataset):
    from model.data import WindowReader, check_dataset
    from model.pipeline import train_dataset

    folder = make_dataset(lengths=(40, 30, 50))
    reader = WindowReader(check_dataset(folder))
    names = [f"cat_{g}" for g in ("comedy", "action", "horror", "thriller", "musical", "other")]

    def first_batch(**kw):
        ds = train_dataset(reader, [0, 1, 2], window=8, batch=4, steps=2, seed=0, first_epoch=0,
                           output_names=names, **kw)
        x, y = next(iter(ds))
        return x.numpy(), np.concatenate([y[n].numpy() for n in names], axis=-1)

    plain_x, plain_y = first_batch()
    aug_x, aug_y = first_batch(augment=1.0)
    np.testing.assert_array_equal(plain_y, aug_y)  # same windows: augmentation only recolours
    assert not np.allclose(plain_x, aug_x)
    mix_x, mix_y = first_batch(augment=1.0, mix=1.0)
    assert (mix_y >= plain_y).all() and mix_y.sum() > plain_y.sum()  # union of genres
    np.testing.assert_array_equal(first_batch(augment=1.0, mix=1.0)[0], mix_x)  # seeded


def test_dropout_is_training_only_and_keeps_the_weights():
    import keras

    from model.build import build_model

    kw = dict(filters=(4, 3, 2), dense=(8, 4))
    plain = build_model(12, 12, 6, **kw)
    dropped = build_model(12, 12, 6, dropout=0.5, **kw)
    assert [w.shape for w in plain.weights] == [w.shape for w in dropped.weights]
    assert sum(isinstance(layer, keras.layers.Dropout) for layer in dropped.layers) == 2
    dropped.set_weights(plain.get_weights())
    x = np.random.default_rng(0).random((1, 3, 3, 12, 12)).astype(np.float32)
    same = [np.asarray(o) for o in dropped(x, training=False)]
    for a, b in zip(same, plain(x, training=False)):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-6)
    seed_like = build_model(12, 12, 6, fast=False, dropout=0.5, **kw)
    assert sum(isinstance(layer, keras.layers.Dropout) for layer in seed_like.layers) == 12


def test_cosine_schedule():
    from model.train import cosine_lr

    lrs = [cosine_lr(1e-3, e, 10) for e in range(10)]
    assert lrs[0] == pytest.approx(1e-3)
    assert all(a > b for a, b in zip(lrs, lrs[1:]))
    assert 0.05e-3 < lrs[-1] < 0.1e-3


@pytest.mark.parametrize("key, value", [("augment", -0.5), ("mix", 1.5), ("dropout", 1.0),
                                        ("lr_schedule", "step"), ("mix", True), ("hue", 0.7)])
def test_bad_generalisation_settings_are_refused(key, value):
    with pytest.raises(ModelConfigError, match=key):
        TrainConfig(**{key: value}).validate()


def test_defaults_and_old_runs():
    config = TrainConfig()
    assert (config.window, config.batch, config.augment, config.mix, config.dropout,
            config.lr_schedule) == (8, 8, 1.0, 0.5, 0.3, "cosine")
    # A run folder written before these settings existed still loads (defaults fill in).
    old = {k: v for k, v in config.to_dict().items()
           if k not in ("augment", "mix", "dropout", "lr_schedule", "hue")}
    assert TrainConfig.from_dict(old) == config


def test_hue_range_lets_a_tint_turn_into_another_colour():
    """With a quarter turn a red scene can come out greener than red (the genre must then be
    read from more than its tint); with no hue rotation the rest of the grade never does."""
    red = np.zeros((2, 3, 4, 4), np.float32)
    red[:, 0] = 0.8
    rng = np.random.default_rng(0)

    def greener(hue):
        outs = [augment_window(red, rng, 1.0, hue) for _ in range(60)]
        return sum(float(o[:, 1].mean()) > float(o[:, 0].mean()) for o in outs)

    assert greener(0.0) == 0
    assert greener(0.25) > 0
    assert TrainConfig().hue == 0.25


def test_parallel_pipeline_gives_the_same_stream_whatever_the_workers(make_dataset):
    """Windows are made by several generator workers; the stream (across epoch borders, with
    augmentation and mixing) is exactly the one a single thread makes drawing window after
    window (the pipeline before it was parallel), and a seed makes it."""
    from model.augment import augment_window, mix_windows
    from model.data import WindowReader, check_dataset, plan_windows
    from model.pipeline import train_dataset

    folder = make_dataset(lengths=(40, 30, 50))
    reader = WindowReader(check_dataset(folder))
    names = [f"cat_{g}" for g in ("comedy", "action", "horror", "thriller", "musical", "other")]
    ids, window, batch, steps, seed = [0, 1, 2], 8, 3, 2, 0
    frames = {i: reader.infos[i].frames for i in ids}
    weights = np.array([frames[i] for i in ids], float) / sum(frames.values())

    def sequential(count):  # one thread, one RNG for the augmentation draws of an epoch
        out, epoch = [], 0
        while len(out) < count:
            rng = np.random.default_rng([seed, epoch])
            aug_rng = np.random.default_rng([seed, epoch, 1])
            for tid, start in plan_windows(frames, window, steps * batch, rng):
                x, y = reader.window(tid, start, window)
                x = augment_window(x, aug_rng, 1.0, 0.25)
                if aug_rng.random() < 0.5:
                    other = ids[int(aug_rng.choice(len(ids), p=weights))]
                    start_b = int(aug_rng.integers(0, max(1, frames[other] - window + 1)))
                    xb, yb = reader.window(other, start_b, window)
                    x, y = mix_windows(x, y, augment_window(xb, aug_rng, 1.0, 0.25), yb, aug_rng)
                out.append((x, y))
            epoch += 1
        return out[:count]

    def batches(workers, seed=seed, count=5):
        # steps * batch = 6 windows an epoch, not a multiple of 4 workers: 5 batches of 3
        # cross two epoch borders.
        ds = train_dataset(reader, ids, window=window, batch=batch, steps=steps, seed=seed,
                           first_epoch=0, output_names=names, augment=1.0, mix=0.5, hue=0.25,
                           workers=workers)
        windows = []
        for x, y in ds.take(count):
            y = np.concatenate([y[n].numpy() for n in names], axis=-1)
            windows += list(zip(x.numpy(), y))
        return windows

    expected = sequential(15)
    for workers in (1, 2, 4):
        got = batches(workers)
        assert len(got) == len(expected)
        for (xa, ya), (xb, yb) in zip(expected, got):
            np.testing.assert_array_equal(xa, xb)
            np.testing.assert_array_equal(ya, yb)
    other_seed = batches(2, seed=1)
    assert not np.allclose(expected[0][0], other_seed[0][0])
