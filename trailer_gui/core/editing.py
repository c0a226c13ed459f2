"""Label editing with an undo history, without Qt.

Undo is recorded as data (as napari does): each edit stores the frame block it touched with
the old and new values of every genre there. Edits made between ``begin_gesture`` and
``end_gesture`` (a mouse drag, a held key during playback) become one named undo step.
Views subscribe with ``add_listener`` and redraw the changed frames; they never hold labels.
The history has listeners too (``add_history_listener``, as glue's ``CommandStack.notify``):
they are called after every change of what Undo/Redo would do (an edit, a finished gesture, an
undo, a redo, ``clear_history``), so an Undo menu item keeps its own text without being told.

Several writers (issue #10): the editor marks every cell (frame, genre) its edits, undos and
redos change as *unsynced* until the store has them (``mark_synced``); a save writes only those
cells on top of what is stored (``core.label_sync``). Changes other programs made come in
through ``merge_stored``: cells with unsynced edits keep the user's values, the others take the
stored ones. A merge is not an undo step, and undo/redo restore only the cells their step
changed, so undoing never takes back another program's change to other cells or genres.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

Listener = Callable[[int, int], None]  # (start, stop) of the frames that changed
HistoryListener = Callable[[], None]  # read can_undo / undo_name ... again


@dataclass
class _Edit:
    start: int
    old: np.ndarray  # (n, genres) bool
    new: np.ndarray

    @property
    def stop(self) -> int:
        return self.start + len(self.old)


@dataclass
class Step:
    """One undo step: edits applied in order, and the name the Edit menu shows."""

    name: str
    edits: list[_Edit] = field(default_factory=list)

    @property
    def span(self) -> tuple[int, int]:
        return min(e.start for e in self.edits), max(e.stop for e in self.edits)


def describe(verb: str, genre: str, start: int, stop: int) -> str:
    """'Paint horror 120-480' with the last frame inclusive, as users count frames."""
    last = stop - 1
    frames = f"{start}" if last == start else f"{start}-{last}"
    return f"{verb} {genre} {frames}"


class LabelEditor:
    """The labels of one video for one annotator, with undo/redo.

    ``array`` is the truth; read it, never write it: every change goes through an edit so
    that it can be undone and reaches the listeners (views, autosave).
    """

    def __init__(self, labels: np.ndarray, genres: Sequence[str], max_steps: int = 1000):
        labels = np.array(labels, dtype=bool)  # own copy
        if labels.ndim != 2 or labels.shape[1] != len(genres):
            raise ValueError(f"labels must be (frames, {len(genres)}), got {labels.shape}")
        self._labels = labels
        self._unsynced = np.zeros_like(labels)  # cells changed here that the store lacks
        self.genres = list(genres)
        self.max_steps = max_steps
        self._undo: list[Step] = []
        self._redo: list[Step] = []
        self._gesture: Step | None = None
        self._gesture_depth = 0
        self._listeners: list[Listener] = []
        self._history_listeners: list[HistoryListener] = []
        self.revision = 0  # bumps on every change; autosave compares it with the saved one

    # ---- reading -------------------------------------------------------------------------
    @property
    def array(self) -> np.ndarray:
        view = self._labels.view()
        view.flags.writeable = False
        return view

    @property
    def frames(self) -> int:
        return self._labels.shape[0]

    @property
    def unsynced(self) -> np.ndarray:
        """(frames, genres) bool: the cells edits here changed since the store last had them."""
        view = self._unsynced.view()
        view.flags.writeable = False
        return view

    @property
    def has_unsynced(self) -> bool:
        return bool(self._unsynced.any())

    def mark_synced(self, cells: np.ndarray | None = None) -> None:
        """The store now has these cells' values (default: all)."""
        if cells is None:
            self._unsynced[:] = False
        else:
            self._unsynced &= ~np.asarray(cells, dtype=bool)

    def merge_stored(self, stored: np.ndarray) -> np.ndarray:
        """Take the stored values wherever this editor has no unsynced edit: another program's
        changes. Not an undo step; listeners redraw. Returns the (frames, genres) cells that
        changed here."""
        stored = np.asarray(stored, dtype=bool)
        if stored.shape != self._labels.shape:
            raise ValueError(f"stored labels are {stored.shape}, the editor's {self._labels.shape}")
        changed = (stored != self._labels) & ~self._unsynced
        rows = np.flatnonzero(changed.any(axis=1))
        if len(rows):
            self._labels[changed] = stored[changed]
            self.revision += 1
            self._notify(int(rows[0]), int(rows[-1]) + 1)
        return changed

    def genre_index(self, genre: str | int) -> int:
        if isinstance(genre, (int, np.integer)):
            if not 0 <= genre < len(self.genres):
                raise IndexError(f"no genre {genre}")
            return int(genre)
        try:
            return self.genres.index(genre)
        except ValueError:
            raise KeyError(f"no genre named {genre!r}") from None

    def add_listener(self, fn: Listener) -> None:
        self._listeners.append(fn)

    def remove_listener(self, fn: Listener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def add_history_listener(self, fn: HistoryListener) -> None:
        """Call ``fn()`` after each change of the undo/redo history (not inside a gesture:
        once, when it ends)."""
        self._history_listeners.append(fn)

    def remove_history_listener(self, fn: HistoryListener) -> None:
        if fn in self._history_listeners:
            self._history_listeners.remove(fn)

    def _history_changed(self) -> None:
        for fn in list(self._history_listeners):
            fn()

    def clear_history(self) -> None:
        """Forget every undo and redo step (the labels stay as they are)."""
        self._finish_gesture()
        if self._undo or self._redo:
            self._undo.clear()
            self._redo.clear()
            self._history_changed()

    # ---- editing -------------------------------------------------------------------------
    def _clip(self, start: int, stop: int) -> tuple[int, int]:
        lo, hi = sorted((int(start), int(stop)))
        return max(0, lo), min(self.frames, hi)

    def set_block(self, start: int, values: np.ndarray, name: str | None = None) -> bool:
        """Replace frames ``start .. start+len(values)`` (all genres). False if no change."""
        values = np.asarray(values, dtype=bool)
        stop = min(self.frames, start + len(values))
        start = max(0, start)
        values = values[: stop - start]
        old = self._labels[start:stop].copy()
        if stop <= start or np.array_equal(old, values):
            return False
        edit = _Edit(start, old, values.copy())
        self._apply(edit.start, edit.new)
        self._record(edit, name or f"Edit labels {start}-{stop - 1}")
        return True

    def paint(self, genre: str | int, start: int, stop: int, on: bool = True) -> bool:
        """Set one genre on (or off) over frames [start, stop)."""
        col = self.genre_index(genre)
        start, stop = self._clip(start, stop)
        if stop <= start:
            return False
        block = self._labels[start:stop].copy()
        block[:, col] = on
        name = describe("Paint" if on else "Erase", self.genres[col], start, stop)
        return self.set_block(start, block, name)

    def toggle(self, genre: str | int, frame: int) -> bool:
        col = self.genre_index(genre)
        if not 0 <= frame < self.frames:
            return False
        return self.paint(col, frame, frame + 1, not self._labels[frame, col])

    def clear(self, start: int, stop: int, genres: Sequence[str | int] | None = None) -> bool:
        """Remove every label (or those of ``genres``) over [start, stop)."""
        start, stop = self._clip(start, stop)
        block = self._labels[start:stop].copy()
        cols = [self.genre_index(g) for g in genres] if genres else slice(None)
        block[:, cols] = False
        return self.set_block(start, block, f"Clear {start}-{max(start, stop - 1)}")

    def _apply(self, start: int, values: np.ndarray, cells: np.ndarray | None = None) -> None:
        """Write ``values`` at ``start``: all of them, or only where ``cells`` is True."""
        block = self._labels[start : start + len(values)]
        changed = block != values
        if cells is not None:
            changed &= cells
        if not changed.any():
            return
        block[changed] = values[changed]
        self._unsynced[start : start + len(values)] |= changed
        self.revision += 1
        self._notify(start, start + len(values))

    def _notify(self, start: int, stop: int) -> None:
        for fn in list(self._listeners):
            fn(start, stop)

    def _record(self, edit: _Edit, name: str) -> None:
        had_redo = bool(self._redo)
        self._redo.clear()
        if self._gesture is not None:
            self._gesture.edits.append(edit)
            if had_redo:  # Redo is gone now, not only when the gesture ends
                self._history_changed()
            return
        self._push(Step(name, [edit]))
        self._history_changed()

    def _push(self, step: Step) -> None:
        self._undo.append(step)
        if len(self._undo) > self.max_steps:
            del self._undo[0]

    # ---- gestures ------------------------------------------------------------------------
    def begin_gesture(self, name: str | None = None) -> None:
        """Group the following edits into one undo step (nested calls join the outer one)."""
        self._gesture_depth += 1
        if self._gesture_depth == 1:
            self._gesture = Step(name or "")

    def end_gesture(self) -> Step | None:
        if self._gesture_depth == 0:
            return None
        self._gesture_depth -= 1
        if self._gesture_depth:
            return None
        step, self._gesture = self._gesture, None
        if not step.edits:
            return None
        if not step.name:
            step.name = self._name_for(step)
        self._push(step)
        self._history_changed()
        return step

    @contextmanager
    def gesture(self, name: str | None = None):
        self.begin_gesture(name)
        try:
            yield
        finally:
            self.end_gesture()

    @property
    def in_gesture(self) -> bool:
        return self._gesture is not None

    def name_gesture(self, name: str) -> None:
        """Name the step the current gesture will make (e.g. when its net effect is known
        only at the end). No gesture: nothing happens."""
        if self._gesture is not None:
            self._gesture.name = name

    def _name_for(self, step: Step) -> str:
        """'Paint action 120-480' when one genre went one way; else 'Edit labels 120-480'."""
        start, stop = step.span
        changed = np.zeros(len(self.genres), dtype=bool)
        turned_on = turned_off = False
        for e in step.edits:
            diff = e.old != e.new
            changed |= diff.any(axis=0)
            turned_on |= bool((diff & e.new).any())
            turned_off |= bool((diff & ~e.new).any())
        cols = np.flatnonzero(changed)
        if len(cols) == 1 and turned_on != turned_off:
            return describe("Paint" if turned_on else "Erase", self.genres[cols[0]], start, stop)
        return describe("Edit", "labels", start, stop)

    # ---- undo / redo ---------------------------------------------------------------------
    def _finish_gesture(self) -> None:
        while self._gesture_depth:
            self.end_gesture()

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_name(self) -> str | None:
        return self._undo[-1].name if self._undo else None

    @property
    def redo_name(self) -> str | None:
        return self._redo[-1].name if self._redo else None

    def undo(self) -> Step | None:
        self._finish_gesture()
        if not self._undo:
            return None
        step = self._undo.pop()
        for e in reversed(step.edits):
            self._apply(e.start, e.old, e.old != e.new)
        self._redo.append(step)
        self._history_changed()
        return step

    def redo(self) -> Step | None:
        self._finish_gesture()
        if not self._redo:
            return None
        step = self._redo.pop()
        for e in step.edits:
            self._apply(e.start, e.new, e.old != e.new)
        self._undo.append(step)
        self._history_changed()
        return step
