"""Editing labels from keys, chips and menus: genre keys (tap, hold, fill), the range (I, O,
Escape), Delete, Undo and Redo, and the Edit menu's texts.

The controller owns its actions (``handlers``: name -> callback for ``actions.Actions.bind``)
and keeps their state by listening: the history of the current editor (through
``WorkspaceState.sigHistoryChanged``) for Undo/Redo, the timeline's selection for the range
actions. It is handed what it works on, not the window: the state, the views it edits through
(timeline, genre chips, player for the frame on screen), live coding, and a status reporter.
"""

from __future__ import annotations

from typing import Callable

from PySide6 import QtCore

from ..messages import Report
from .live_coding import GenreKeyFilter, LiveCoder



class LabelsController(QtCore.QObject):
    def __init__(self, state, timeline, genre_bar, player, live: LiveCoder,
                 current_frame: Callable[[], int], snap_fill: Callable[[int, int], tuple[int, int]],
                 report: Report, parent: QtCore.QObject):
        super().__init__(parent)
        self.state, self.timeline, self.genre_bar, self.player = state, timeline, genre_bar, player
        self.live, self.current_frame, self.snap_fill, self.report = live, current_frame, snap_fill, report
        self.actions = None  # set by bind_actions
        # genre keys need press *and* release: a filter, not shortcuts (see live_coding)
        self.key_filter = GenreKeyFilter(parent, self.genre_pressed, self.genre_released,
                                         live.suspend, self.release_held_keys)
        genre_bar.sigToggle.connect(self.toggle_genre)
        player.sigFrameChanged.connect(self._on_frame)  # after the state moved to the frame
        timeline.sigGestureFinished.connect(lambda name: report(name, 3000))
        timeline.sigSelectionChanged.connect(self.update_selection_actions)
        state.sigHistoryChanged.connect(self.update_undo_actions)  # Undo/Redo keep their texts

    @property
    def editor(self):
        return self.state.editor

    def handlers(self) -> dict[str, Callable]:
        return {"undo": self.undo, "redo": self.redo, "set_in": self.set_in,
                "set_out": self.set_out, "clear_selection": self.clear_selection,
                "delete_labels": self.delete_labels}

    def bind_actions(self, actions) -> None:
        self.actions = actions
        actions.bind(self.handlers())

    # ---- genre keys ------------------------------------------------------------------------
    def genre_pressed(self, genre: int) -> bool:
        if self.editor is None:
            return False
        # Paused with a range: fill it. Playing: live coding, whatever the range.
        playing = self.player.is_playing()
        if self.timeline.selection() is not None and not playing and not self.live.holding:
            self.fill_selection(genre)
            return True
        self.live.press(genre, self.current_frame(), playing)
        self.genre_bar.set_held(set(self.live.held_genres()))
        return True

    def _on_frame(self, frame: int) -> None:
        if self.live.holding:  # a held key paints the frames that pass
            self.live.passed(frame, self.player.is_playing())

    def genre_released(self, genre: int) -> bool:
        if genre not in self.live.held_genres():
            return self.editor is not None
        step = self.live.release(genre)
        self.genre_bar.set_held(set(self.live.held_genres()))
        if step is not None:
            self.report(step.name, 3000)
        return True

    def release_held_keys(self) -> None:
        """End every hold now (before undo, leaving a trailer, closing): one step each."""
        self.key_filter.flush()
        if self.live.holding:
            self.live.release_all()
            self.genre_bar.set_held(set())

    def toggle_genre(self, genre: int) -> None:
        """Toggle a genre on the current frame (or fill the range), e.g. from a chip click."""
        if self.editor is None:
            return
        if self.timeline.selection() is not None:
            self.fill_selection(genre)
        else:
            self.editor.toggle(genre, self.current_frame())

    def fill_selection(self, genre: int) -> None:
        """Paint the genre over the range; if the whole range has it already, erase it."""
        ed, sel = self.editor, self.timeline.selection()
        if ed is None or sel is None:
            return
        lo, hi = self.snap_fill(*sel)  # to nearby cuts, when Snap to shots is on
        if (lo, hi) != sel:
            self.timeline.set_selection(lo, hi)
        on = not bool(ed.array[lo:hi, genre].all())
        ed.paint(genre, lo, hi, on)
        if ed.undo_name:
            self.report(ed.undo_name, 3000)

    # ---- the range ---------------------------------------------------------------------------
    def set_in(self) -> None:
        if self.editor is None:
            return
        f, sel = self.current_frame(), self.timeline.selection()
        self.timeline.set_selection(f, sel[1] if sel and f < sel[1] else f + 1)

    def set_out(self) -> None:
        if self.editor is None:
            return
        f, sel = self.current_frame(), self.timeline.selection()
        self.timeline.set_selection(sel[0] if sel and f >= sel[0] else f, f + 1)

    def clear_selection(self) -> None:
        self.timeline.set_selection(None, None)

    def delete_labels(self) -> None:
        ed = self.editor
        if ed is None:
            return
        sel = self.timeline.selection()
        lo, hi = sel if sel else (self.current_frame(), self.current_frame() + 1)
        if ed.clear(lo, hi):
            self.report(ed.undo_name or "", 3000)

    # ---- history -----------------------------------------------------------------------------
    def undo(self) -> None:
        if self.editor is None:
            return
        self.release_held_keys()
        step = self.editor.undo()
        if step is not None:
            self.report(f"Undid {step.name}", 3000)

    def redo(self) -> None:
        if self.editor is None:
            return
        self.release_held_keys()
        step = self.editor.redo()
        if step is not None:
            self.report(f"Redid {step.name}", 3000)

    # ---- the actions' state ------------------------------------------------------------------
    def update_undo_actions(self) -> None:
        if self.actions is None:
            return
        ed = self.editor
        undo, redo = self.actions.undo, self.actions.redo
        undo.setEnabled(bool(ed and ed.can_undo))
        redo.setEnabled(bool(ed and ed.can_redo))
        undo.setText(f"&Undo {ed.undo_name}" if ed and ed.undo_name else "&Undo")
        redo.setText(f"&Redo {ed.redo_name}" if ed and ed.redo_name else "&Redo")

    def update_selection_actions(self) -> None:
        if self.actions is None:
            return
        has_sel = self.editor is not None and self.timeline.selection() is not None
        self.actions.clear_selection.setEnabled(has_sel)
        self.actions.zoom_selection.setEnabled(has_sel)

    def update_actions(self) -> None:
        has_video = self.editor is not None
        a = self.actions
        for act in (a.set_in, a.set_out, a.delete_labels):
            act.setEnabled(has_video)
        self.update_selection_actions()
        self.update_undo_actions()
