"""Courtesy for Python loops in worker threads: let the GUI thread have the GIL.

Decoding (`model.decode`) and its scoring (`model.segments`) run in the training worker
beside the GUI thread, as Python-level loops of small NumPy calls that hold the GIL.  The GUI
thread gives the GIL up at each Qt call and must win it back each time: against a worker that
never lets go it waits a switch interval (5 ms) per call, and the 60 ms of GUI work at an
epoch's end took 80-310 ms while `decode.fit` ran (the "decoding" stalls of
tests/benchmarks/bench_training_gui.py).  `time.sleep(0)` releases the GIL but usually takes
it straight back; a real nap hands it over.  Measured on that GUI work (model/README.md): a
1 ms nap every 4 ms gave 60-110 ms, 0.3 ms every 1 ms 73-90 ms, for ~1/5 more time in `fit`.
The main thread (the command line, or a GUI decoding for itself) never naps.
"""

from __future__ import annotations

import threading
import time

PERIOD_S = 0.001  # at most this long between naps
NAP_S = 0.0003

_next_nap = 0.0


def breathe() -> None:
    """Nap `NAP_S` if `PERIOD_S` passed since the last nap (worker threads only). Cheap to
    call often: a clock read when it is not time yet."""
    global _next_nap
    if threading.current_thread() is threading.main_thread():
        return
    now = time.perf_counter()
    if now >= _next_nap:
        time.sleep(NAP_S)
        _next_nap = time.perf_counter() + PERIOD_S
