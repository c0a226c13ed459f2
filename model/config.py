"""Training configuration (no TensorFlow here)."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

from .errors import ModelConfigError

# Project order of the seed's six genres (also the default names of a 6-genre dataset).
DEFAULT_GENRES = ("comedy", "action", "horror", "thriller", "musical", "other")

STRATEGIES = ("default", "mirrored", "multiworker")
MONITORS = {"val_loss": "min", "macro_f1": "max", "macro_ap": "max"}
POS_WEIGHTS = ("sqrt", "ratio", "none")
LR_SCHEDULES = ("cosine", "constant")
PRECISIONS = ("auto", "float32", "bfloat16", "float16")  # model.precision has the details


@dataclass
class TrainConfig:
    """Everything `model.train.train` needs besides the folders.

    epochs: epochs to run in THIS call (>= 1).  With `init_from`, numbering continues after the
        previous run's epochs (a 10-epoch run resumed with epochs=5 ends at epoch 15).
    window: frames per training sample.  Every batch is (batch, window, 3, rows, cols), so
        there is one traced graph and a batch can be split across devices.  Measured
        (tests/benchmarks/bench_model.py --window-sweep, 64x64, batch 4, 2 cores), training
        frames/s in two runs: window 4: 94; 8: 112, 120; 16: 116, 155; 32: 117, 135;
        64: 90, 86.
    batch: windows per step (global: split across replicas; rounded up to a multiple of them).
        Default 8 windows of 8 frames (the same 64 frames a step as 4 x 16, the same speed at
        32x32): neighbouring frames are nearly alike, so twice as many independent windows
        per step teach more; on the demo project held-out macro-F1 rose from 0.88 to 0.90
        (12 epochs, two seeds) and the weakest seed of a smaller project from 0.81 to 0.88
        (model/README.md).  Prediction still carries the recurrent state over whole trailers.
    steps_per_epoch: None = as many steps as cover the training frames once.
    val_fraction, seed: 80/20 split by trailer (never by frame), seeded.  `train` also seeds
        Keras/NumPy/Python (keras.utils.set_random_seed) so a run is reproducible.
    strategy: 'default' | 'mirrored' | 'multiworker' (MultiWorkerMirroredStrategy, TF_CONFIG).
    devices: for 'mirrored', explicit device names (None = all GPUs, else all logical CPUs).
    init_from: a previous run folder to continue from: its model.keras (the best epoch) with
        its optimizer state, its model options and its train/validation split (new trailers
        are split 80/20); epoch numbers continue after its last epoch.
    fast: build the fast model (same function class; at 64x64 on 2 cores ~2x the training
        frames/s and ~5x shorter first step) instead of the literal seed.
    seed_head: keep the seed's linear Dense 512 -> 32 head (otherwise ReLU between them).
    bn_momentum: BatchNormalization momentum (the seed's 0.99 had not converged on a small
        project, DESIGN.md); with recompute_bn the statistics are also recomputed exactly over
        `bn_windows` training windows before every validation and save.
    pos_weight: positives weigh 'sqrt' (sqrt(neg/pos)), 'ratio' (neg/pos) or 'none' (1) in
        the binary cross-entropy, capped at pos_weight_max; genres are sparse.
    monitor: what "best on validation" means: 'val_loss' (min), 'macro_f1' or 'macro_ap' (max).
    predict_chunk: frames per chunk when running whole trailers (validation, prediction);
        recurrent state is carried across chunks, so this bounds memory, not context.
    model_options: extra keyword arguments for `model.build.build_model` (filters, dense...).
    ids: train/validate only on these trailer ids (None = every labelled trailer).

    Generalisation (model/README.md, "Generalising from a few trailers": on demo trailers
    never trained on, macro-F1 0.78 after 8 epochs and 0.83 after 20 with the seed-like
    training, 0.90 after 12 with these; 0 / 'constant' give the seed-like behaviour):
    augment: strength of the per-window flip and colour-grade augmentation (0 = off).
    hue: largest hue rotation of that colour grade, a fraction of a turn (0.5 = any hue):
        0.25 makes genres recognisable by more than their tint (model/README.md, "Segments").
    mix: probability that a training window is shown together with another one, labelled
        with both windows' genres (0 = off; see `model.augment.mix_windows` for when not to).
    dropout: dropout rate before each hidden Dense layer of the genre heads (training only).
    precision: compute precision of training (and of the validation predictions): 'auto'
        (float16 with loss scaling on GPUs, float32 on CPUs: `model.precision.resolve` says
        why not bfloat16), 'float32', 'bfloat16' or 'float16'.  Weights, batch-norm statistics, the
        loss and the saved model stay float32 (`model.precision`).
    lr_schedule: 'cosine' (from lr down to lr/20 over this call's epochs: the last epochs
        refine instead of jumping around, so "best epoch" is less of a lottery) or 'constant'.
    """

    epochs: int = 10
    window: int = 8
    batch: int = 8
    lr: float = 1e-3
    seed: int = 0
    val_fraction: float = 0.2
    strategy: str = "default"
    devices: list[str] | None = None
    init_from: str | None = None
    fast: bool = True
    steps_per_epoch: int | None = None
    seed_head: bool = False
    bn_momentum: float = 0.9
    recompute_bn: bool = True
    bn_windows: int = 32
    pos_weight: str = "sqrt"
    pos_weight_max: float = 10.0
    monitor: str = "val_loss"
    predict_chunk: int = 64
    threshold: float = 0.5
    model_options: dict[str, Any] = field(default_factory=dict)
    ids: list[int] | None = None
    augment: float = 1.0
    hue: float = 0.25
    mix: float = 0.5
    dropout: float = 0.3
    lr_schedule: str = "cosine"
    precision: str = "auto"

    def validate(self) -> "TrainConfig":
        def bad(msg):
            raise ModelConfigError(f"TrainConfig: {msg}")

        for name in ("epochs", "window", "batch", "seed", "bn_windows", "predict_chunk"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                bad(f"{name} must be an integer, got {value!r}")
        for name in ("epochs", "window", "batch", "bn_windows", "predict_chunk"):
            if getattr(self, name) < 1:
                bad(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.steps_per_epoch is not None and (
            not isinstance(self.steps_per_epoch, int) or self.steps_per_epoch < 1
        ):
            bad(f"steps_per_epoch must be None or >= 1, got {self.steps_per_epoch!r}")
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            bad(f"lr must be a positive number, got {self.lr!r}")
        if not (0.0 <= self.val_fraction < 1.0):
            bad(f"val_fraction must be in [0, 1), got {self.val_fraction!r}")
        if self.strategy not in STRATEGIES:
            bad(f"strategy must be one of {STRATEGIES}, got {self.strategy!r}")
        if self.monitor not in MONITORS:
            bad(f"monitor must be one of {tuple(MONITORS)}, got {self.monitor!r}")
        if self.pos_weight not in POS_WEIGHTS:
            bad(f"pos_weight must be one of {POS_WEIGHTS}, got {self.pos_weight!r}")
        if not (self.pos_weight_max >= 1.0):
            bad(f"pos_weight_max must be >= 1, got {self.pos_weight_max!r}")
        if not (0.0 < self.bn_momentum < 1.0):
            bad(f"bn_momentum must be in (0, 1), got {self.bn_momentum!r}")
        if not (0.0 < self.threshold < 1.0):
            bad(f"threshold must be in (0, 1), got {self.threshold!r}")
        for name, top in (("augment", math.inf), ("mix", 1.0), ("dropout", 0.99), ("hue", 0.5)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= top:
                bad(f"{name} must be a number in [0, {top}], got {value!r}")
        if self.lr_schedule not in LR_SCHEDULES:
            bad(f"lr_schedule must be one of {LR_SCHEDULES}, got {self.lr_schedule!r}")
        if self.precision not in PRECISIONS:
            bad(f"precision must be one of {PRECISIONS}, got {self.precision!r}")
        if not isinstance(self.model_options, dict):
            bad("model_options must be a dict")
        if self.ids is not None and not (
            isinstance(self.ids, (list, tuple))
            and all(isinstance(i, int) and not isinstance(i, bool) for i in self.ids)
        ):
            bad(f"ids must be None or a list of trailer ids, got {self.ids!r}")
        return self

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ModelConfigError(f"TrainConfig: unknown keys {sorted(unknown)}")
        return cls(**data).validate()

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "TrainConfig":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ModelConfigError(f"TrainConfig: not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ModelConfigError("TrainConfig: JSON must be an object")
        return cls.from_dict(data)
