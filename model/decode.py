"""Temporal decoding: from per-frame genre probabilities to the segments an annotator accepts.

Thresholding each frame on its own makes slivers: a probability that wobbles around 0.5 for
a few frames turns into several 1-frame segments, each one a correction for the annotator.
`decode` instead picks, for each genre separately, the present/absent sequence that best
explains the probabilities while paying for every change:

* each frame costs ``|logit(p) - logit(threshold)|`` when the chosen state disagrees with
  the probability (so with no change cost this is plain thresholding at `threshold`);
* a change inside a shot costs `switch_cost` (in the same log-odds units); a change at one
  of the project's detected shot cuts costs `cut_cost` (genres change at cuts in trailers);
* with `shot_vote` a genre changes only at cuts: each shot is decided as a whole (its
  frames' evidence summed), i.e. an infinite change cost inside shots;
* finally no run (present or absent) shorter than `min_frames` is kept: the short run whose
  frames support it least is flipped into its neighbours, until none is left (a trailer
  that is one run throughout stays as it is).  Runs are made of whole shots under
  `shot_vote`, so the flips keep every change on a cut.

The best path is found exactly (Viterbi over two states per genre, all genres at once).
`fit` chooses the parameters on labelled trailers the model did not train on (a run's
validation trailers); the run stores them in ``config.json`` under ``"decoding"`` and every
consumer (prediction files, overlays, navigation, accepting predictions) reads them back
with `Decoding.from_dict`, so all of them see the same segments.  NumPy only.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, fields

import numpy as np

from .gil import breathe

_EPS = 1e-4  # probabilities are clipped to [eps, 1 - eps]: a log-odds of at most ~9.2


@dataclass(frozen=True)
class Decoding:
    threshold: float = 0.5
    switch_cost: float = 0.0  # log-odds paid per change of a genre inside a shot
    cut_cost: float = 0.0  # ... per change at a shot cut
    shot_vote: bool = False  # changes only at cuts (each shot decided as a whole)
    min_frames: int = 1  # shortest run kept, in the dataset's (exported) frames

    def __post_init__(self):
        problems = []
        if not 0.0 < self.threshold < 1.0:
            problems.append(f"threshold must be in (0, 1), got {self.threshold!r}")
        for name in ("switch_cost", "cut_cost"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                problems.append(f"{name} must be a number >= 0, got {value!r}")
        if not isinstance(self.shot_vote, bool):
            problems.append(f"shot_vote must be true or false, got {self.shot_vote!r}")
        if isinstance(self.min_frames, bool) or not isinstance(self.min_frames, int) or self.min_frames < 1:
            problems.append(f"min_frames must be an integer >= 1, got {self.min_frames!r}")
        if problems:
            raise ValueError("decoding: " + "; ".join(problems))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data) -> "Decoding":
        """From a run's ``config.json`` ``"decoding"`` entry; ValueError naming what is wrong.
        Unknown keys are ignored (a newer run read by an older version)."""
        if not isinstance(data, dict):
            raise ValueError(f"decoding: expected an object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def is_plain(self) -> bool:
        """True when decoding is plain thresholding."""
        return (self.switch_cost == 0 and not self.shot_vote and self.min_frames == 1
                and self.cut_cost == 0)


PLAIN = Decoding()


def _margins(probs, threshold) -> np.ndarray:
    p = np.clip(np.asarray(probs, dtype=np.float64), _EPS, 1.0 - _EPS)
    return np.log(p / (1.0 - p)) - math.log(threshold / (1.0 - threshold))


def _cut_mask(frames: int, cuts) -> np.ndarray:
    """(frames,) bool: True at frames where a new shot starts (frame 0 excluded)."""
    mask = np.zeros(frames, bool)
    cuts = np.asarray(cuts if cuts is not None else (), np.int64).ravel()
    mask[cuts[(cuts > 0) & (cuts < frames)]] = True
    return mask


def _viterbi(margins: np.ndarray, change_cost: np.ndarray) -> np.ndarray:
    """Cheapest present/absent path per column: margins (frames, columns) log-odds above the
    threshold; change_cost the price of a change between frame t-1 and t, (frames,) for all
    columns or (frames, columns) each its own (`decode_many` runs many settings at once).

    The loop over frames is many small NumPy calls that hold the GIL: it breathes
    (`model.gil.breathe`)."""
    frames, columns = margins.shape
    change_cost = np.broadcast_to(np.asarray(change_cost, np.float64).reshape(frames, -1),
                                  (frames, columns))
    # Cost of "absent" is the evidence for present and vice versa (only the difference counts).
    cost_on = np.maximum(-margins, 0.0)
    cost_off = np.maximum(margins, 0.0)
    off, on = cost_off[0].copy(), cost_on[0].copy()
    came_off = np.zeros((frames, columns), bool)  # best predecessor of "off" at t was "on"
    came_on = np.zeros((frames, columns), bool)  # best predecessor of "on" at t was "off"
    for t in range(1, frames):
        breathe()
        price = change_cost[t]
        switch_to_off = on + price < off
        switch_to_on = off + price < on
        came_off[t], came_on[t] = switch_to_off, switch_to_on
        off, on = (np.where(switch_to_off, on + price, off) + cost_off[t],
                   np.where(switch_to_on, off + price, on) + cost_on[t])
    state = on < off
    path = np.empty((frames, columns), bool)
    for t in range(frames - 1, -1, -1):
        breathe()
        path[t] = state
        state = np.where(state, ~came_on[t], came_off[t])
    return path


def _runs(track: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    change = np.flatnonzero(track[1:] != track[:-1]) + 1
    return np.concatenate(([0], change)), np.concatenate((change, [len(track)]))


def _drop_short_runs(track: np.ndarray, support: np.ndarray, min_frames: int) -> np.ndarray:
    """Flip runs shorter than `min_frames`, the least supported first, until none is left.
    support: (frames,) evidence for "present" (log-odds margin).

    Each pass is a handful of array operations (a run's evidence from one running sum) and
    breathes (`model.gil.breathe`): this runs in the training worker beside the GUI thread."""
    track = track.copy()
    running = np.concatenate([[0.0], np.cumsum(support, dtype=np.float64)])
    while True:
        breathe()
        starts, ends = _runs(track)
        if len(starts) < 2:
            return track
        short = np.flatnonzero(ends - starts < min_frames)
        if not len(short):
            return track
        # Evidence each short run has for its own state: flipping the weakest costs least.
        s, e = starts[short], ends[short]
        own = (running[e] - running[s]) * np.where(track[s], 1.0, -1.0)
        k = short[int(np.argmin(own))]
        track[starts[k]:ends[k]] = ~track[starts[k]]


def decode(probs, cuts=(), params: Decoding = PLAIN) -> np.ndarray:
    """(frames, genres) probabilities -> (frames, genres) float32 0/1 accepted labels.

    cuts: frames (of the same frame numbering) where a new shot starts."""
    return decode_many(probs, cuts, [params])[0]


def decode_many(probs, cuts, params_list) -> list[np.ndarray]:
    """`decode` of one trailer under each of `params_list`, in order, sharing the work:
    the settings that differ only in `min_frames` share one best path, and all best paths
    of one threshold come from one Viterbi pass (its columns: genres x change costs)."""
    probs = np.asarray(probs)
    if probs.ndim != 2:
        raise ValueError(f"decode: probabilities must be (frames, genres), got {probs.shape}")
    params_list = list(params_list)
    if not len(probs):
        return [np.zeros(probs.shape, np.float32) for _ in params_list]
    frames, genres = probs.shape
    at_cut = _cut_mask(frames, cuts)
    margins_at = {t: _margins(probs, t) for t in {p.threshold for p in params_list}}
    paths = {}  # (threshold, inside cost, cut cost) -> (frames, genres) bool best path
    for threshold, margins in margins_at.items():
        costs = sorted({_change_costs(p) for p in params_list
                        if p.threshold == threshold and not p.is_plain})
        if not costs:
            continue
        change = np.stack([np.where(at_cut, cut, inside) for inside, cut in costs], axis=1)
        best = _viterbi(np.tile(margins, (1, len(costs))), np.repeat(change, genres, axis=1))
        for k, cost in enumerate(costs):
            paths[(threshold, *cost)] = best[:, k * genres:(k + 1) * genres]
    out = []
    for params in params_list:
        margins = margins_at[params.threshold]
        if params.is_plain:
            out.append((margins >= 0).astype(np.float32))
            continue
        labels = paths[(params.threshold, *_change_costs(params))].copy()
        if params.min_frames > 1:
            for g in range(genres):
                labels[:, g] = _drop_short_runs(labels[:, g], margins[:, g], params.min_frames)
        out.append(labels.astype(np.float32))
    return out


def _change_costs(params: Decoding) -> tuple[float, float]:
    """(price of a change inside a shot, price at a cut)."""
    inside = math.inf if params.shot_vote else float(params.switch_cost)
    return inside, float(params.cut_cost)


# ---- fitting on validation trailers --------------------------------------------------------
THRESHOLDS = (0.5,)  # chosen on one or two validation trailers, other thresholds lost more
# often than they won (model/README.md); the threshold stays a stored parameter all the same
SWITCH_COSTS = (0.0, 2.0, 5.0, 10.0, 20.0, 40.0)
CUT_COSTS = (0.0, 2.0)
MIN_FRAMES_SECONDS = (0.0, 0.25, 0.5, 1.0)  # shortest run, converted with the dataset's fps


def candidates(fps: float | None = None) -> list[Decoding]:
    """The grid `fit` searches, in order of preference: plain thresholding first, then
    smoother settings (see `_preference`)."""
    rate = float(fps) if fps else 24.0
    mins = sorted({max(1, int(round(s * rate))) for s in MIN_FRAMES_SECONDS})
    grid = set()
    for threshold, vote, switch, cut, min_frames in itertools.product(
            THRESHOLDS, (False, True), SWITCH_COSTS, CUT_COSTS, mins):
        if vote and switch:
            continue  # the inside-shot cost does not matter when shots vote
        grid.add(Decoding(threshold, switch, cut, vote, min_frames))
    return sorted(grid, key=_preference)


def objective(truths, preds, genre_names) -> float:
    """What `fit` maximises (0-100): the mean of the dominant sequence's Edit and F1@50, the
    genres' mean F1@50, per-frame macro F1 and the share of frames with every genre right:
    segments and frames alike, so neither slivers nor long wrong stretches pay."""
    from .metrics import per_genre_metrics
    from .segments import segment_metrics

    seg = segment_metrics(truths, preds, genre_names)
    frame = per_genre_metrics(np.concatenate(truths), np.concatenate(preds), genre_names)
    values = [seg["dominant"]["edit"], seg["dominant"]["f1@50"], seg["macro"]["f1@50"],
              100 * frame["macro"]["f1"], 100 * seg["all_right"]]
    values = [v for v in values if not math.isnan(v)]
    return float(np.mean(values)) if values else math.nan


def fit(probs_list, truths, cuts_list, genre_names, fps=None, margin=0.5) -> tuple[Decoding, dict]:
    """The decoding that scores best on labelled trailers (probabilities, 0/1 truths, cuts).

    Among settings within `margin` points of the best, the first in `candidates`' order wins
    (plain thresholding before smoothing; the middle threshold first): a few validation
    trailers must not buy a setting by chance.  Returns (params, report) where report holds
    the objective of plain thresholding and of the choice."""
    probs_list, truths, cuts_list = list(probs_list), list(truths), list(cuts_list)
    if not probs_list:
        return PLAIN, {"trailers": 0}
    truths = [np.asarray(t, np.float32) for t in truths]
    grid = candidates(fps)
    decoded = [decode_many(p, c, grid) for p, c in zip(probs_list, cuts_list)]
    scored = []
    for k, params in enumerate(grid):
        breathe()
        scored.append((objective(truths, [d[k] for d in decoded], genre_names), params))
    valid = [s for s in scored if not math.isnan(s[0])]
    if not valid:
        return PLAIN, {"trailers": len(probs_list)}
    best = max(v for v, _ in valid)
    chosen_value, chosen = next((v, p) for v, p in valid if v >= best - margin)
    plain = next(v for v, p in scored if p == PLAIN)
    return chosen, {"trailers": len(probs_list), "objective": chosen_value,
                    "objective_plain": plain, "best": best, "tried": len(scored)}


def _preference(params: Decoding):
    """Order of preference among near-equal settings: simple before elaborate."""
    return (abs(params.threshold - 0.5), params.min_frames > 1, params.shot_vote,
            params.switch_cost, params.cut_cost, params.min_frames)
