"""Walking the shown prediction: N / Shift+N to the next or previous disagreement with the
labels, U through the uncertain places (most uncertain first), and Accept predictions over
the range (or the whole trailer) as one undo step.

It reads the labels from the ``WorkspaceState``'s editor and the prediction from the overlay,
moves the player through ``seek`` and speaks through ``report``; it never loads anything.
"""

from __future__ import annotations

from typing import Callable

from PySide6 import QtCore

from ...services import predictions as P
from ..workspace import WorkspaceState
from .prediction_overlay import PredictionOverlay

NO_PREDICTION = "No predictions shown for this trailer"


class PredictionNavigator(QtCore.QObject):
    def __init__(self, state: WorkspaceState, overlay: PredictionOverlay, *,
                 seek: Callable[[int], None], current_frame: Callable[[], int],
                 selection: Callable[[], tuple[int, int] | None],
                 release_held_keys: Callable[[], None], report: Callable[[str, int], None],
                 parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.state, self.overlay, self.report = state, overlay, report
        self.seek, self.current_frame, self.selection = seek, current_frame, selection
        self.release_held_keys = release_held_keys
        # U's ranking of uncertain places, kept while (prediction, trailer, threshold) stay.
        self._uncertain_key: tuple | None = None
        self._uncertain: list[tuple[int, int]] = []
        self._uncertain_next = 0

    def next_disagreement(self) -> None:
        self._jump(self.overlay.next_disagreement, "after")

    def previous_disagreement(self) -> None:
        self._jump(self.overlay.previous_disagreement, "before")

    def _jump(self, find, where: str) -> None:
        if not self.overlay.has_prediction():
            self.report(NO_PREDICTION, 3000)
            return
        frame = find(self.current_frame())
        if frame is None:
            self.report(f"No disagreement {where} this frame", 3000)
            return
        self.seek(frame)
        genres = [g.name for g, d in zip(self.state.genres, self.overlay.disagreement()[frame]) if d]
        self.report(f"Frame {frame}: prediction and labels differ on {', '.join(genres)}", 5000)

    def most_uncertain(self) -> None:
        """U: the most uncertain place, then the next most uncertain one, and so on (wrapping).

        The ranking is kept while the same prediction, trailer and threshold are shown, so
        repeated presses walk through the trailer's uncertain places instead of returning to
        the first one after each fix."""
        pred, video = self.overlay.prediction, self.state.video
        key = (id(pred), video.id if video is not None else None, self.overlay.threshold)
        if key != self._uncertain_key:
            self._uncertain_key, self._uncertain = key, self.overlay.uncertain_places()
            self._uncertain_next = 0
        if not self._uncertain:
            self.report(NO_PREDICTION, 3000)
            return
        rank = self._uncertain_next % len(self._uncertain)
        self._uncertain_next = rank + 1
        frame, genre = self._uncertain[rank]
        self.seek(frame)
        p = float(self.overlay.probs[frame, genre])
        name = self.state.genres[genre].name
        self.report(
            f"Uncertain place {rank + 1}/{len(self._uncertain)}: frame {frame}, {name} "
            f"p={p:.2f} (threshold {self.overlay.threshold:.2f}) · U: the next one", 6000)

    def accept_predictions(self) -> bool:
        """Over the range (or the whole trailer): labels := the prediction's decoded segments
        (thresholded probabilities for runs without decoding), one undo step."""
        ed, pred, threshold = self.state.editor, self.overlay.prediction, self.overlay.threshold
        if ed is None or pred is None:
            self.report(NO_PREDICTION, 3000)
            return False
        self.release_held_keys()
        lo, hi = self.selection() or (0, ed.frames)
        block = P.accepted_labels(pred.probs, threshold, lo, hi, pred.decided(threshold))
        name = f"Accept predictions {lo}-{max(lo, hi - 1)}"
        changed = ed.set_block(lo, block, name)  # Undo's text follows by itself
        self.report(name if changed else "The labels already match the predictions there", 4000)
        return changed


__all__ = ["PredictionNavigator"]
