"""Benchmark of the model package (run by hand; prints figures).

    python tests/benchmarks/bench_model.py                 # 64x64, the seed-sized defaults
    python tests/benchmarks/bench_model.py --size 32 --steps 5 --frames 120   # quick
    python tests/benchmarks/bench_model.py --window-sweep 8,16,32             # window choice

In one run, on the same synthetic input (one tf.data pipeline per model, same seed):
  * the machine's limit: GFLOP/s of the dominant operation (3x3 convolution, 20 -> 80
    channels, 64 images) in float32 and bfloat16, and the frames/s that would give;
  * training frames/s and first-step seconds of the project's model (fast=True) in float32
    and in the `auto` precision (or, where `auto` is float32 and the CPU multiplies bfloat16,
    in bfloat16 chosen by hand), and of the seed's model built literally (channels-last,
    float32), their ratios, and training as a share of the convolution limit;
  * prediction frames/s of each through `model.predict.Predictor` (the product's path: whole
    trailer in chunks carrying state), with the state carried over the whole trailer and
    restarted at shot cuts (shots then run side by side);
  * frames/s of the training input pipeline alone, plain and with the default augmentation
    and mixing, with one generator worker and with the default workers (one per core);
  * peak memory of `model.train.train` on a trailer and on a 10x longer one, each in a fresh
    process: peak RSS (includes file pages of the memory-mapped scene that were touched, which
    the kernel can drop) and peak anonymous memory (what the process really holds).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _rss_anon_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    return 0


def child_train(dataset, out, args) -> None:
    """Train in this (fresh) process and print its peak memory as JSON."""
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _rss_anon_kb())
            time.sleep(0.05)

    threading.Thread(target=sample, daemon=True).start()
    from model.config import TrainConfig
    from model.train import train

    t0 = time.perf_counter()
    # Same number of steps for both trailers: only the trailer length differs.
    cfg = TrainConfig(epochs=1, window=args.window, batch=args.batch, predict_chunk=64,
                      val_fraction=0.0, steps_per_epoch=args.mem_steps)
    result = train(dataset, out, cfg)
    done.set()
    print("CHILD " + json.dumps({
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_anon_mb": peak[0] / 1024,
        "seconds": time.perf_counter() - t0,
        "steps": result.history[-1]["batches"],
    }))


def clock() -> tuple[float, float]:
    """(wall seconds, this thread's CPU seconds)."""
    return time.perf_counter(), time.thread_time()


def time_training(model, dataset, steps, frames_per_batch, start=None):
    """(first step seconds, steady frames/s, first step's CPU seconds in this thread) of
    `fit`; the first step counts from `start` (a `clock()`; default: the call), e.g. from
    before `compile_model`, which builds the compiled state.  The thread's CPU is the serial
    part of a first step (tracing, Grappler, setting up kernels): steadier than the wall
    time when other jobs share the cores."""
    import keras

    marks, first_cpu = [], []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if not first_cpu:
                first_cpu.append(time.thread_time())
            marks.append(time.perf_counter())

    start = clock() if start is None else start
    model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False,
              callbacks=[Clock()])
    first = marks[0] - start[0]
    steady = (len(marks) - 1) * frames_per_batch / (marks[-1] - marks[0]) if len(marks) > 1 else float("nan")
    return first, steady, first_cpu[0] - start[1]


def conv_flops_per_frame(model) -> float:
    """Forward FLOPs of a model's convolutions per frame (multiply-adds x 2): every ConvLSTM's
    input and recurrent 3x3 convolutions at its output size.  Training costs about 3x this
    (forward, and two convolutions backward)."""
    total = 0.0
    for layer in model.layers:
        if not hasattr(layer, "filters") or not hasattr(layer, "kernel_size"):
            continue
        _, _, rows, cols, _ = layer.output.shape
        groups = getattr(layer, "groups", 1)
        f = layer.filters
        kh, kw = layer.kernel_size
        channels_in = layer.input.shape[-1]
        total += 2 * rows * cols * kh * kw * 4 * f * groups * (channels_in + f)
    return total


def conv_limit(size, dtype, repeats=20):
    """GFLOP/s of a 3x3 convolution 20 -> 80 channels on 64 images of size x size (the first
    block's recurrent convolution, a batch of 4 windows x 16 frames) in `dtype`."""
    import tensorflow as tf

    x = tf.random.uniform((64, size, size, 20), dtype=tf.float32)
    k = tf.random.uniform((3, 3, 20, 80), dtype=tf.float32)
    x, k = tf.cast(x, dtype), tf.cast(k, dtype)
    conv = tf.function(lambda a, b: tf.nn.conv2d(a, b, 1, "SAME"))
    conv(x, k).numpy()
    t = time.perf_counter()
    for _ in range(repeats):
        out = conv(x, k)
    out.numpy()
    seconds = (time.perf_counter() - t) / repeats
    return 2 * 64 * size * size * 9 * 20 * 80 / seconds / 1e9


def time_prediction(model, scene, chunk, cuts=(), precision=None):
    """Frames/s of `model.predict.Predictor` over the whole trailer (the product's path),
    after one warm-up call that traces its graph.  The better of two runs."""
    from model.predict import Predictor

    predictor = Predictor(model, chunk, precision)
    predictor.predict(scene[: 2 * chunk], [c for c in cuts if c < 2 * chunk])  # trace
    best = 0.0
    for _ in range(2):
        t = time.perf_counter()
        predictor.predict(scene, cuts)
        best = max(best, len(scene) / (time.perf_counter() - t))
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=64, help="rows = cols")
    ap.add_argument("--frames", type=int, default=200, help="frames of the benchmark trailer")
    ap.add_argument("--window", type=int, default=16)
    ap.add_argument("--batch", type=int, default=8, help="windows a step (the project's default)")
    ap.add_argument("--steps", type=int, default=10, help="training steps timed per model")
    ap.add_argument("--chunk", type=int, default=64, help="prediction chunk")
    ap.add_argument("--window-sweep", default="", help="e.g. 8,16,32: fast-model frames/s per window")
    ap.add_argument("--no-memory", action="store_true", help="skip the 1x/10x memory runs")
    ap.add_argument("--mem-steps", type=int, default=20, help="training steps of each memory run")
    ap.add_argument("--child-train", nargs=2, metavar=("DATASET", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_train:
        return child_train(*args.child_train, args)

    from tests.model.synth import write_dataset

    tmp = Path(tempfile.mkdtemp(prefix="bench-model-"))
    dataset = write_dataset(tmp / "dataset", [args.frames, args.frames], size=args.size)

    import keras
    import numpy as np
    import tensorflow as tf

    from model import data as D
    from model.build import build_model, build_seed_model, compile_model
    from model.pipeline import train_dataset

    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, "
          f"devices: {[d.name for d in tf.config.list_logical_devices()]}")
    print(f"input: {args.size}x{args.size}, window {args.window}, batch {args.batch}, "
          f"{args.steps} timed steps, trailer of {args.frames} frames\n")
    reader = D.WindowReader(D.check_dataset(dataset))
    scene = np.asarray(reader.scene(0))
    frames_per_batch = args.window * args.batch
    # Warm up TensorFlow (thread pools, oneDNN kernels) so the first model timed does not pay
    # for the process's first graph.
    # A tiny model through the same fit + tf.data path.
    warm = compile_model(build_model(args.size, args.size, filters=(2, 2, 2), dense=(4,)), [1.0] * 6)
    time_training(warm, train_dataset(reader, [0], window=2, batch=2, steps=3, seed=0, first_epoch=0,
                                      output_names=warm.output_names), 3, 4)
    from model.precision import cpu_has_bf16, resolve, set_precision

    auto = resolve("auto")
    print("the machine's limit (3x3 convolution 20 -> 80 channels, 64 images, TensorFlow):")
    limits = {}
    for dtype in ("float32", "bfloat16"):
        limits[dtype] = conv_limit(args.size, dtype)
    flops = conv_flops_per_frame(build_model(args.size, args.size))
    for dtype, gflops in limits.items():
        print(f"  {dtype:9s} {gflops:7.0f} GFLOP/s -> at {3 * flops / 1e9:.3f} GFLOP per trained "
              f"frame: {gflops * 1e9 / (3 * flops):6.0f} frames/s", flush=True)
    print()

    # The app detects shot cuts and prediction restarts the state there: a cut every 2 s.
    cuts = list(range(48, len(scene), 48))
    print(f"prediction: the {len(scene)}-frame trailer, chunks of {args.chunk}, state carried "
          f"over the whole trailer, and restarted at {len(cuts)} cuts (every 48 frames; shots "
          f"side by side where the model allows)\n")
    rows = {}
    project = lambda: build_model(args.size, args.size)  # noqa: E731
    models = [("project float32", project, "float32")]
    if auto != "float32":
        models.append((f"project auto ({auto})", project, auto))
    elif cpu_has_bf16():
        # 'auto' is float32 on CPUs; bfloat16, faster but chosen by hand, for comparison
        models.append(("project bfloat16 (by hand)", project, "bfloat16"))
    models.append(("seed literal", lambda: build_seed_model(args.size, args.size,
                                                           output_activation="sigmoid"), "float32"))
    for label, make, precision in models:
        keras.utils.set_random_seed(0)
        model = make()
        set_precision(model, precision)
        start = clock()  # compile_model builds the compiled state: it counts
        model = compile_model(model, [2.0] * 6, loss_scale=precision == "float16")
        ds = train_dataset(reader, [0, 1], window=args.window, batch=args.batch,
                           steps=args.steps + 1, seed=0, first_epoch=0,
                           output_names=model.output_names)
        first, fps, first_cpu = time_training(model, ds, args.steps + 1, frames_per_batch, start)
        carried = time_prediction(model, scene, args.chunk)
        at_cuts = time_prediction(model, scene, args.chunk, cuts)
        limit = limits.get(precision, limits["float32"]) * 1e9 / (3 * flops)
        rows[label] = (first, fps, carried, at_cuts)
        print(f"{label:24s} first step {first:6.1f} s ({first_cpu:4.1f} CPU-s in the caller's "
              f"thread)  training {fps:7.1f} frames/s "
              f"({100 * fps / limit:3.0f} % of the {precision} limit)  prediction "
              f"{carried:7.1f} frames/s (state carried), {at_cuts:7.1f} (restarted at "
              f"{len(cuts)} cuts)", flush=True)
    seed_first, seed_fps, seed_carried, seed_cuts = rows["seed literal"]
    print()
    for label, (first, fps, carried, at_cuts) in rows.items():
        if label != "seed literal":
            print(f"{label} / seed literal: training {fps / seed_fps:.2f}x, first step "
                  f"{first:.1f} s vs {seed_first:.1f} s, prediction {carried / seed_carried:.2f}x "
                  f"(state carried), {at_cuts / seed_cuts:.2f}x (at cuts), "
                  f"{at_cuts / seed_carried:.2f}x (product at cuts vs seed carried)")
    t1 = max(row[1] for row in rows.values())

    # The input pipeline must stay well ahead of training (>= 10x: on a GPU training is far
    # faster than here).
    from model.pipeline import default_workers

    print(f"\ninput pipeline alone (windows made, augmented and mixed in NumPy; fastest "
          f"training above: {t1:.0f} frames/s):")
    for label, augment, mix in (("plain", 0.0, 0.0), ("augment 1 + mix 0.5 (default)", 1.0, 0.5)):
        for workers in sorted({1, default_workers()}):
            ds = train_dataset(reader, [0, 1], window=args.window, batch=args.batch, steps=1000,
                               seed=0, first_epoch=0, output_names=[f"cat_{g}" for g in range(6)],
                               augment=augment, mix=mix, workers=workers)
            it = iter(ds)
            next(it)
            t = time.perf_counter()
            for _ in range(30):
                next(it)
            fps = 30 * frames_per_batch / (time.perf_counter() - t)
            print(f"  {label:30s} {workers} worker{'s' if workers > 1 else ' '} {fps:8.0f} "
                  f"frames/s ({fps / t1:5.1f}x training)", flush=True)

    if args.window_sweep:
        print("\nwindow sweep (project model):")
        for w in [int(x) for x in args.window_sweep.split(",")]:
            keras.utils.set_random_seed(0)
            model = compile_model(build_model(args.size, args.size), [2.0] * 6)
            ds = train_dataset(reader, [0, 1], window=w, batch=args.batch, steps=args.steps + 1,
                               seed=0, first_epoch=0, output_names=model.output_names)
            first, fps, _ = time_training(model, ds, args.steps + 1, w * args.batch)
            print(f"  window {w:3d}: first step {first:5.1f} s, training {fps:7.1f} frames/s", flush=True)

    if not args.no_memory:
        print(f"\npeak memory of train() (fresh process each, {args.mem_steps} steps):")
        for factor in (1, 10):
            ds_dir = write_dataset(tmp / f"mem{factor}", [args.frames * factor], size=args.size, seed=1)
            proc = subprocess.run(
                [sys.executable, __file__, "--child-train", str(ds_dir), str(tmp / f"run{factor}"),
                 "--window", str(args.window), "--batch", str(args.batch),
                 "--mem-steps", str(args.mem_steps)],
                capture_output=True, text=True, cwd=ROOT)
            line = [x for x in proc.stdout.splitlines() if x.startswith("CHILD ")]
            if proc.returncode or not line:
                print(proc.stderr[-2000:])
                continue
            m = json.loads(line[0][6:])
            scene_mb = args.frames * factor * 3 * args.size * args.size / 2**20
            print(f"  {factor:2d}x trailer ({args.frames * factor} frames, scene file {scene_mb:6.1f} MB, "
                  f"{m['steps']} steps, {m['seconds']:.0f} s): peak anonymous {m['peak_anon_mb']:7.1f} MB, "
                  f"peak RSS {m['peak_rss_mb']:7.1f} MB", flush=True)


if __name__ == "__main__":
    main()
