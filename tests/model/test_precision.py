"""Precision: 'auto' picks the machine's fastest, training in bfloat16/float16 keeps float32
weights and saves a float32 model, and a model trained in one precision predicts in any."""

import json

import keras
import numpy as np
import pytest

from model.build import build_model, compile_model
from model.config import TrainConfig
from model.errors import ModelConfigError
from model.precision import (cpu_flags, cpu_has_bf16, model_precision, resolve,
                             saved_as_float32, set_precision)
from model.predict import Predictor, load
from model.train import train

from .conftest import HELD_OUT

TINY = dict(epochs=1, steps_per_epoch=3, batch=2, window=8, predict_chunk=32, bn_windows=4,
            val_fraction=0.34, augment=0.0, mix=0.0)


def test_auto_picks_float16_on_gpus_and_float32_on_cpus_even_with_amx():
    assert resolve("auto", gpus=2) == "float16"
    # bfloat16 trained worse on an AMX machine and slower without AMX (model/README.md):
    # whatever this CPU has, only when asked for.
    assert resolve("auto", gpus=0) == "float32"
    assert resolve("bfloat16", gpus=0) == "bfloat16"
    assert resolve("float32", gpus=4) == "float32"  # an explicit choice is kept
    with pytest.raises(ValueError, match="precision must be one of"):
        resolve("half")


def test_cpu_flags_read_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu avx512f avx512_bf16\n")
    assert cpu_flags(info) == {"fpu", "avx512f", "avx512_bf16"}
    assert cpu_has_bf16(cpu_flags(info))
    assert not cpu_has_bf16({"avx2", "fma"})
    assert cpu_flags(tmp_path / "missing") == set()


def test_config_refuses_an_unknown_precision():
    with pytest.raises(ModelConfigError, match="precision must be one of"):
        TrainConfig(precision="int8").validate()
    assert TrainConfig().precision == "auto"


def test_set_precision_keeps_outputs_and_variables_float32():
    model = build_model(24, 24, 3)
    set_precision(model, "bfloat16")
    assert model_precision(model) == "bfloat16"
    assert model.get_layer("block1_convlstm").compute_dtype == "bfloat16"
    for name in ("branches_out", *model.output_names):
        assert model.get_layer(name).compute_dtype == "float32"
    assert {w.dtype for w in model.weights} == {"float32"}
    outs = model(np.random.rand(1, 4, 3, 24, 24).astype("float32"))
    assert {str(o.dtype) for o in outs} == {"<dtype: 'float32'>"}
    with saved_as_float32(model):
        assert model_precision(model) == "float32"
    assert model_precision(model) == "bfloat16"


@pytest.mark.slow
def test_a_bfloat16_run_saves_a_float32_model_that_predicts_in_any_precision(
        dataset_dir, tmp_path):
    result = train(dataset_dir, tmp_path / "run", TrainConfig(precision="bfloat16", **TINY))
    config = json.loads((result.run_dir / "config.json").read_text())
    assert config["precision"] == {"setting": "bfloat16", "compute": "bfloat16"}
    assert config["train"]["precision"] == "bfloat16"

    model = load(result.run_dir)
    assert model_precision(model) == "float32"
    assert {w.dtype for w in model.weights} == {"float32"}
    assert model.get_layer("block1_bn").moving_variance.dtype == "float32"

    scene = np.load(dataset_dir / f"scene_{HELD_OUT}.npy", allow_pickle=False)[:40]
    as_float32 = Predictor(model, chunk=16, precision="float32").predict(scene)
    as_bfloat16 = Predictor(model, chunk=16, precision="bfloat16").predict(scene)
    assert as_float32.dtype == as_bfloat16.dtype == np.float32
    assert as_float32.shape == as_bfloat16.shape == (40, 6)
    # bfloat16 keeps 8 bits of mantissa: the curves agree to a few hundredths.
    assert np.abs(as_float32 - as_bfloat16).max() < 0.06
    assert not np.allclose(as_float32, as_bfloat16, atol=0, rtol=0)  # it did compute in bf16


@pytest.mark.slow
def test_float16_trains_with_loss_scaling_and_resumes_in_float32(dataset_dir, tmp_path):
    first = train(dataset_dir, tmp_path / "half", TrainConfig(precision="float16", **TINY))
    model = load(first.run_dir, compile=True)
    assert model_precision(model) == "float32"
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)

    second = train(dataset_dir, tmp_path / "full",
                   TrainConfig(precision="float32", init_from=str(first.run_dir), **TINY))
    resumed = load(second.run_dir, compile=True)
    assert not isinstance(resumed.optimizer, keras.optimizers.LossScaleOptimizer)
    assert json.loads((second.run_dir / "config.json").read_text())["precision"]["compute"] == "float32"


def test_compile_wraps_and_unwraps_the_loss_scale_optimizer():
    model = build_model(24, 24, 2)
    compile_model(model, [1.0, 1.0], loss_scale=True)
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    inner = model.optimizer.inner_optimizer
    compile_model(model, [1.0, 1.0], optimizer=model.optimizer, loss_scale=False)
    assert model.optimizer is inner
