"""tf.distribute: MirroredStrategy on two logical CPUs (a fresh process: logical devices must
be configured before TensorFlow initialises), and MultiWorkerMirroredStrategy with one and
with two worker processes on localhost."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import json, sys
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])
    from tests.model.synth import write_dataset
    from model.config import TrainConfig
    from model.train import train
    from model.predict import predict_dataset

    dataset = write_dataset(sys.argv[1] + "/dataset", [40, 30, 50])
    cfg = TrainConfig(strategy="mirrored", epochs=2, steps_per_epoch=3, batch=3, window=8,
                      predict_chunk=32, bn_windows=4)
    events = []
    result = train(dataset, sys.argv[1] + "/run", cfg, listener=events.append)
    preds = predict_dataset(result.run_dir, dataset, ids=[0])
    print("RESULT " + json.dumps({
        "logical_cpus": len(tf.config.list_logical_devices("CPU")),
        "losses": [h["loss"] for h in result.history],
        "epochs": [e["epoch"] for e in events if e["event"] == "epoch"],
        "shape": list(preds[0].shape),
    }))
""")


def test_mirrored_training_on_two_logical_cpus(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    out = json.loads(line[len("RESULT "):])
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert out["logical_cpus"] == 2
    assert config["strategy"] == {"name": "mirrored", "replicas": 2}
    assert config["batch"] == 4  # 3 rounded up to a multiple of the replicas
    assert out["epochs"] == [1, 2] and all(loss > 0 for loss in out["losses"])
    assert out["shape"] == [40, 6]
    assert (tmp_path / "run" / "model.keras").is_file()


MULTIWORKER = textwrap.dedent("""
    import json, os, socket, sys
    sock = socket.socket()
    sock.bind(("localhost", 0))
    port = sock.getsockname()[1]
    sock.close()
    os.environ["TF_CONFIG"] = json.dumps({"cluster": {"worker": [f"localhost:{port}"]},
                                          "task": {"type": "worker", "index": 0}})
    from tests.model.synth import write_dataset
    from model.config import TrainConfig
    from model.train import train

    dataset = write_dataset(sys.argv[1] + "/dataset", [40, 30, 50])
    cfg = TrainConfig(strategy="multiworker", epochs=1, steps_per_epoch=3, batch=2, window=8,
                      predict_chunk=32, bn_windows=4)
    result = train(dataset, sys.argv[1] + "/run", cfg)
    print("RESULT " + json.dumps({"loss": result.history[-1]["loss"]}))
""")


def test_multiworker_strategy_from_tf_config(tmp_path):
    """One worker (the chief) configured through TF_CONFIG: the code path of a cluster."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.run([sys.executable, "-c", MULTIWORKER, str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["strategy"] == {"name": "multiworker", "replicas": 1}
    assert (tmp_path / "run" / "model.keras").is_file()


TWO_WORKERS = textwrap.dedent("""
    import json, os, sys
    folder, ports, index = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])
    os.environ["TF_CONFIG"] = json.dumps({
        "cluster": {"worker": [f"localhost:{p}" for p in ports]},
        "task": {"type": "worker", "index": index}})
    from model.config import TrainConfig
    from model.train import train

    cfg = TrainConfig(strategy="multiworker", epochs=2, steps_per_epoch=3, batch=2, window=8,
                      predict_chunk=32, bn_windows=4)
    events = []
    result = train(folder + "/dataset", folder + "/run", cfg, listener=events.append)
    print("RESULT " + json.dumps({
        "losses": [h["loss"] for h in result.history],
        "epochs": [e["epoch"] for e in events if e["event"] == "epoch"]}))
""")


def _free_ports(n):
    import socket

    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def test_two_workers_train_one_model_together(tmp_path):
    """Two processes = two machines: a cluster of two workers on localhost (TF_CONFIG) trains
    in lock-step (Keras 3's fit needs model.distribute.fix_keras_multi_worker_build for
    this); the chief alone writes the run, the other worker leaves nothing behind."""
    from .synth import write_dataset

    write_dataset(tmp_path / "dataset", [40, 30, 50])
    ports = ",".join(map(str, _free_ports(2)))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    workers = [subprocess.Popen([sys.executable, "-c", TWO_WORKERS, str(tmp_path), ports, str(i)],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for i in range(2)]
    results = []
    try:
        for proc in workers:
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err[-3000:]
            line = next(x for x in out.splitlines() if x.startswith("RESULT "))
            results.append(json.loads(line[len("RESULT "):]))
    finally:
        for proc in workers:
            proc.kill()
    assert results[0]["epochs"] == results[1]["epochs"] == [1, 2]
    # One model: the workers average their gradients and report the same (averaged) loss.
    assert results[0]["losses"] == results[1]["losses"]
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["strategy"] == {"name": "multiworker", "replicas": 2}
    assert (tmp_path / "run" / "model.keras").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset", "run"]


def test_import_model_does_not_import_tensorflow_or_qt():
    code = ("import sys, model, model.metrics, model.data, model.config, model.monitor, "
            "model.files, model.errors\n"
            "bad = [m for m in ('tensorflow', 'keras', 'PySide6', 'trailer_gui') if m in sys.modules]\n"
            "assert not bad, bad\n"
            "assert callable(model.metrics.per_genre_metrics)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert proc.returncode == 0, proc.stderr
