"""Training while the GUI runs (run by hand): ``python tests/benchmarks/bench_training_gui.py``.

Builds a demo project (default: the app's demo, 8 trailers of 20 s, the last two unlabelled),
opens it in ``MainWindow`` (offscreen unless ``QT_QPA_PLATFORM`` says otherwise) and presses
Retrain (save, export, train, predict every trailer, refresh the overlays) ``--retrains`` times
(the first one cold: TensorFlow is imported and the graph traced in the worker thread; later
ones continue from the previous run). Prints

* event-loop stalls: a 5 ms ``QTimer`` in the GUI thread records how late each tick fires,
  grouped by what the worker does at that moment: exporting, training's first epoch (graph
  tracing included), later epochs, predicting; the longest stall, p99 and ticks later than
  50 ms;
* the time from pressing Retrain to updated overlays (``ModelController.last_retrain_s``), and
  the worker's own stage times.

Options: ``--trailers 8 --seconds 20 --size 32x32 --epochs 2 --window 16 --batch 4
--steps N (steps per epoch; default: one pass over the training frames) --retrains 2
--play (keep the video playing, looping, while it trains) --keep --stacks`` (where the other
threads were after each stall over 100 ms) ``--profile`` (the GUI thread's heaviest calls
during each retrain, by cProfile: what the GUI itself does while the worker trains)
``--slow-calls`` (each call from Qt into Python on the GUI thread that took over 20 ms: a
slot, an event handler, a paint; with what the worker did meanwhile).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

TICK_MS = 5


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else 0.0


class StallMeter:
    """Lateness of a 5 ms timer, per phase (what the worker does) and per detail (training's
    own stage within the phase)."""

    def __init__(self, stacks=False):
        from PySide6 import QtCore

        self.phase = "idle"
        self.detail = ""
        self.samples: dict[str, list[float]] = {}
        self.details: dict[str, list[float]] = {}
        self._last = None
        self._last_cpu = None
        self.stacks = stacks
        self.long_stalls: list[tuple[float, float, str, str, str]] = []
        self.timer = QtCore.QTimer(interval=TICK_MS)
        self.timer.setTimerType(QtCore.Qt.PreciseTimer)
        self.timer.timeout.connect(self._tick)

    def start(self):
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self):
        self.timer.stop()

    def _tick(self):
        now, cpu = time.perf_counter(), time.thread_time()
        late = (now - self._last) * 1000 - TICK_MS
        # The GUI thread's own CPU time over the stall: near the stall itself, the GUI thread
        # was busy; near 0, it was waiting (for the GIL, or for a core).
        busy = (cpu - self._last_cpu) * 1000 if self._last_cpu is not None else 0.0
        self._last, self._last_cpu = now, cpu
        self.samples.setdefault(self.phase, []).append(max(0.0, late))
        if self.stacks and late > 100:
            self.long_stalls.append((late, busy, self.phase, self.detail, self._where()))
        if self.detail:
            self.details.setdefault(self.detail, []).append(max(0.0, late))

    @staticmethod
    def _where():
        """Where the other threads are the moment the GUI thread runs again: a worker that
        held the GIL shows the line it let go at; a stall of the GUI thread's own shows no
        worker in Python."""
        me = threading.get_ident()
        names = {t.ident: t.name for t in threading.enumerate()}
        lines = []
        for ident, frame in sys._current_frames().items():
            if ident == me:
                continue
            calls = [f"{Path(f.f_code.co_filename).name}:{n} {f.f_code.co_name}"
                     for f, n in list(traceback.walk_stack(frame))[:5]]
            lines.append(f"{names.get(ident, ident)}: " + " <- ".join(calls))
        return "\n        ".join(lines)

    @staticmethod
    def _line(name, values, indent="  "):
        print(f"{indent}{name:<26} ticks {len(values):6d}  longest stall {max(values):7.1f} ms  "
              f"p99 {pct(values, 0.99):6.1f} ms  median {statistics.median(values):5.1f} ms  "
              f">50 ms: {sum(v > 50 for v in values)}")

    def report(self, title):
        print(title)
        for phase, values in self.samples.items():
            if values:
                self._line(phase, values)
        print("  training, by model.train stage:")
        for detail, values in self.details.items():
            if values:
                self._line(detail, values, "    ")
        for late, busy, phase, detail, where in sorted(self.long_stalls, reverse=True)[:8]:
            print(f"  stall {late:.1f} ms ({phase}, {detail or '-'}), GUI thread's own CPU "
                  f"{busy:.1f} ms; other threads:\n        {where}")
        self.long_stalls.clear()


def _owner(obj) -> str:
    """" of <the widgets holding obj>": which of several views of one class a call was on."""
    chain, widget = [], obj
    while widget is not None and len(chain) < 4 and hasattr(widget, "parent"):
        try:
            chain.append(type(widget).__name__)
            widget = widget.parent() if callable(widget.parent) else None
        except (RuntimeError, TypeError):
            break
    return f" of {' < '.join(chain[1:])}" if len(chain) > 1 else ""


class SlowCalls:
    """The GUI thread's calls from Qt into Python that took over `threshold_ms` (a slot, an
    event handler, a paint), by a profile hook on this thread only. A call "from Qt" is a
    Python call made while a C function (the event loop, a Qt method) is the innermost call;
    only the outermost of those is timed."""

    def __init__(self, meter: StallMeter, threshold_ms: float = 20.0):
        self.meter, self.threshold = meter, threshold_ms / 1000
        self.stack: list[bool] = []  # per open call: True for C functions, False for Python
        self.outer: list[int] = []  # stack depths of the open calls from C being timed
        self.slow = []

    def _hook(self, frame, event, _arg):
        if event == "c_call":
            self.stack.append(True)
        elif event == "call":
            if self.stack and self.stack[-1] and not self.outer:
                self.outer.append(len(self.stack))
                self.started, self.cpu, self.code = time.perf_counter(), time.thread_time(), frame.f_code
                self.owner = _owner(frame.f_locals.get("self"))
            self.stack.append(False)
        elif event in ("return", "c_return", "c_exception") and self.stack:
            self.stack.pop()
            if self.outer and len(self.stack) == self.outer[-1]:
                self.outer.pop()
                wall = time.perf_counter() - self.started
                if wall > self.threshold:
                    code = self.code
                    self.slow.append((wall * 1000, (time.thread_time() - self.cpu) * 1000,
                                      f"{Path(code.co_filename).name}:{code.co_firstlineno} "
                                      f"{code.co_qualname}{self.owner}",
                                      f"{self.meter.phase}, {self.meter.detail or '-'}"))

    def start(self):
        sys.setprofile(self._hook)

    def stop(self):
        sys.setprofile(None)

    def report(self, title):
        print(f"{title}: GUI calls into Python over {self.threshold * 1000:.0f} ms "
              f"(wall ms, own CPU ms, what, while):")
        for wall, cpu, what, phase in sorted(self.slow, reverse=True)[:15]:
            print(f"  {wall:7.1f} {cpu:7.1f}  {what}  ({phase})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trailers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--size", default="32x32", help="training frame size")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--window", type=int, default=16)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--steps", type=int, default=None, help="steps per epoch")
    parser.add_argument("--retrains", type=int, default=2)
    parser.add_argument("--play", action="store_true", help="play the trailer while training")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--slow-calls", action="store_true",
                        help="list the GUI thread's calls into Python over 20 ms")
    parser.add_argument("--profile", action="store_true",
                        help="profile the GUI thread during each retrain (cProfile)")
    parser.add_argument("--stacks", action="store_true",
                        help="print where the other threads were after each stall over 100 ms")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-training-gui-"))
    try:
        from qt_scratch import isolate, wait

        isolate(scratch)
        from trailer_gui.app import create_application
        from trailer_gui.services import training as T
        from trailer_gui.demo.project import make_demo
        from trailer_gui.widgets.main_window import MainWindow

        t0 = time.perf_counter()
        project = make_demo(scratch / "demo", trailers=args.trailers, seconds=args.seconds)
        for key, value in (("size", args.size), ("epochs", args.epochs), ("window", args.window),
                           ("batch", args.batch)):
            T.set_config(project, key, str(value))
        project.close()
        print(f"demo: {args.trailers} trailers of {args.seconds:g} s made in "
              f"{time.perf_counter() - t0:.1f} s; config size {args.size}, epochs {args.epochs}, "
              f"window {args.window}, batch {args.batch}, steps/epoch {args.steps or 'auto'}")

        app = create_application()
        window = MainWindow(scratch / "demo")
        window.resize(1400, 900)
        window.show()
        ctl = window.model_ctl
        if args.steps:
            ctl.train_overrides = {"steps_per_epoch": args.steps}

        def wait_for(pred, timeout_s=3600.0):
            wait(timeout_s, pred, interval_ms=20)

        wait_for(lambda: window.player.shown_frame() == 0, 10)
        if args.play:
            window.player.seek(0)
            window.player.play()

        for n in range(args.retrains):
            meter = StallMeter(stacks=args.stacks)
            epochs_seen = [0]

            def on_event(event, meter=meter, epochs_seen=epochs_seen):
                kind = event.get("event")
                if kind == "job":
                    stage = event["stage"]
                    meter.phase = {"Training": "training: 1st epoch"}.get(stage, stage.lower())
                elif kind == "epoch":
                    epochs_seen[0] += 1
                    meter.phase = "training: later epochs"
                    meter.detail = "batches, later"
                elif kind == "stage":
                    stage = event["stage"]
                    if stage == "training":
                        stage = "batches, epoch 1" if not epochs_seen[0] else "batches, later"
                    meter.detail = stage
                elif kind == "done":
                    meter.phase = "after training"
                    meter.detail = ""

            finished = []
            ctl.sigJobFinished.connect(lambda kind, result, f=finished: f.append(result))
            slow = SlowCalls(meter) if args.slow_calls else None
            if slow:
                slow.start()
            profiler = cProfile.Profile() if args.profile else None
            if profiler:
                profiler.enable()  # this thread only: the GUI's own work
            meter.start()
            job = ctl.retrain()
            job.sigEvent.connect(on_event)
            wait_for(lambda: bool(finished) and ctl.job is None)
            meter.stop()
            if slow:
                slow.stop()
                slow.report(f"retrain {n + 1}")
            if profiler:
                profiler.disable()
                print(f"retrain {n + 1}: the GUI thread's heaviest calls (cProfile, cumulative):")
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"trailer_gui|pyqtgraph", 25)
            result = finished[0]
            if args.play and not window.player.is_playing():
                window.player.seek(0)
                window.player.play()
            if result is None:
                raise SystemExit("retrain failed (see the dialog's text above)")
            label = "cold: TensorFlow imported in the worker" if n == 0 else \
                f"continuing from {result.init_from}"
            meter.report(f"retrain {n + 1} ({label}), GUI event-loop stalls"
                         f"{' while playing' if args.play else ''}:")
            stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
            print(f"  Retrain pressed -> overlays updated: {ctl.last_retrain_s:.1f} s "
                  f"(worker: {stages}); run {result.run}, best epoch {result.best_epoch}, "
                  f"{len(result.predicted)} trailers predicted, overlay "
                  f"{'shown' if ctl.overlay.has_prediction() else 'MISSING'}")
        window.close()
        app.quit()
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
