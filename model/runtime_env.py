"""TensorFlow settings that must be in place before TensorFlow makes its first tensor.

Importing `model` (any submodule) applies them, so the app, the `trailer` command, the tests
and the benchmarks all run TensorFlow the same way.  A value already in the environment is
kept: you can always turn one off (e.g. ``TF_CPU_ALLOCATOR_USE_BFC=false``).

Why the pooled allocator: TensorFlow's default CPU allocator hands every tensor to malloc.
The model's large tensors (a batch's gates are ~20 MB) are above glibc's mmap threshold, so
every step maps fresh pages and unmaps them again, and the kernel zero-fills each page on
first touch.  On these machines that was 8.4 million page faults in 11 training steps and
as much system time as compute.  The BFC allocator (the one TensorFlow uses on GPUs) keeps
the freed blocks and hands them out again.  Measured side by side (64x64, windows of 16,
batch 8, 2 cores): the project's model trained at 34.6 frames/s before and 51-52 after,
the seed's model at 21.0 and 35.8 (model/README.md).  The pool grows as needed and is not
given back to the system until the process ends; it is what training needed at its peak.

Why oneDNN: TensorFlow turns its oneDNN kernels on by itself only on CPUs with AVX-512 VNNI
or newer; elsewhere (AVX2 machines, e.g. the AMD EPYC of session 6) convolutions run on
Eigen's.  Turned on there, the first block's 3x3 convolution (20 -> 80 channels, 8 images at
64x64) ran forward at 72-79 GFLOP/s instead of 61-67 and its input gradient at 68-74 instead
of 44-53 (the filter gradient is the same, ~42), and the project's model trained at 76 frames/s
instead of 62.  Results differ from Eigen's in the last bits (another summation order).
"""

from __future__ import annotations

import os

# name -> value; only set where the environment does not already say.
TENSORFLOW_ENV = {
    "TF_CPU_ALLOCATOR_USE_BFC": "true",
    "TF_ENABLE_ONEDNN_OPTS": "1",
}


def apply() -> None:
    """Put the settings in the environment (idempotent; explicit values win)."""
    for name, value in TENSORFLOW_ENV.items():
        os.environ.setdefault(name, value)


__all__ = ["TENSORFLOW_ENV", "apply"]
