"""Importing `model` runs TensorFlow with its pooled CPU allocator, unless the user said no.

The default allocator maps and unmaps every large tensor on every step (millions of page
faults, a third slower training on these machines: model/runtime_env.py).  The BFC
allocator is the only CPU allocator that keeps statistics, so asking for them tells which
one TensorFlow really uses."""

import os

import pytest
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = textwrap.dedent("""
    import os
    import model.build  # the first import of `model` applies the settings
    import tensorflow as tf
    x = tf.ones((256, 256)) * 2.0
    print("env", os.environ.get("TF_CPU_ALLOCATOR_USE_BFC"))
    try:
        info = tf.config.experimental.get_memory_info("CPU:0")
        print("pooled", info["peak"] >= x.shape[0] * x.shape[1] * 4)
    except ValueError:
        print("pooled no-stats")
""")


def probe(env_value=None):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPU_ALLOCATOR_USE_BFC"}
    if env_value is not None:
        env["TF_CPU_ALLOCATOR_USE_BFC"] = env_value
    # oneDNN brings its own pooling allocator (with statistics): off, so the probe sees the
    # allocator this setting chooses
    env["TF_ENABLE_ONEDNN_OPTS"] = "0"
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return [line for line in done.stdout.splitlines() if line.startswith(("env", "pooled"))]


def test_training_uses_the_pooled_allocator_by_default():
    assert probe() == ["env true", "pooled True"]


def test_a_users_own_setting_wins():
    assert probe("false") == ["env false", "pooled no-stats"]


def test_settings_only_fill_what_the_environment_leaves_out(monkeypatch):
    from model import runtime_env

    monkeypatch.setenv("TF_CPU_ALLOCATOR_USE_BFC", "0")
    runtime_env.apply()
    assert os.environ["TF_CPU_ALLOCATOR_USE_BFC"] == "0"
    monkeypatch.delenv("TF_CPU_ALLOCATOR_USE_BFC")
    runtime_env.apply()
    assert os.environ["TF_CPU_ALLOCATOR_USE_BFC"] == "true"


ONEDNN_PROBE = textwrap.dedent("""
    import model.build  # the first import of `model` applies the settings
    from tensorflow.python.util import _pywrap_util_port as port
    print("onednn", port.IsMklEnabled() if hasattr(port, "IsMklEnabled") else "unknown")
""")


def onednn(env_value=None):
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    if env_value is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = env_value
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", ONEDNN_PROBE], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return [line for line in done.stdout.splitlines() if line.startswith("onednn")][0]


def test_convolutions_run_on_onednn_on_every_cpu_unless_the_user_says_no():
    """TensorFlow enables oneDNN by itself only on AVX-512 VNNI CPUs; on AVX2 machines its
    input gradient ran 1.4-1.7x faster with it (model/runtime_env.py)."""
    if onednn() == "onednn unknown":
        pytest.skip("this TensorFlow does not say whether oneDNN is on")
    assert onednn() == "onednn True"
    assert onednn("0") == "onednn False"
