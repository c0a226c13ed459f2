"""The Playback and View menus' transport: play/pause, frame steps, start/end, speed, the
previous/next trailer and the timeline's zoom.

It owns these actions (``handlers`` for ``actions.Actions.bind``) and is handed what it drives
(the player, the timeline), the state it reads (is a trailer open?), how to choose a trailer
(the list's order and ``select``) and a status reporter: not the window.
"""

from __future__ import annotations

from typing import Callable

from PySide6 import QtCore

from ..messages import Report
from .transport_bar import SPEEDS


class PlaybackController(QtCore.QObject):
    def __init__(self, state, player, timeline, trailer_ids: Callable[[], list[int]],
                 select: Callable[[int], bool], report: Report, parent: QtCore.QObject):
        super().__init__(parent)
        self.state, self.player, self.timeline = state, player, timeline
        self.trailer_ids, self.select, self.report = trailer_ids, select, report
        self.actions = None

    def handlers(self) -> dict[str, Callable]:
        steps = {"step_back": -1, "step_forward": 1, "back_ten": -10, "forward_ten": 10}
        h: dict[str, Callable] = {name: (lambda *_, d=d: self.step(d)) for name, d in steps.items()}
        h.update(toggle_play=self.toggle_play, go_start=self.go_start, go_end=self.go_end,
                 slower=lambda *_: self.change_speed(-1), faster=lambda *_: self.change_speed(+1),
                 normal_speed=lambda *_: self.change_speed(0),
                 previous_video=lambda *_: self.step_trailer(-1),
                 next_video=lambda *_: self.step_trailer(+1),
                 zoom_all=self.zoom_all, zoom_selection=self.zoom_selection)
        return h

    def bind_actions(self, actions) -> None:
        self.actions = actions
        actions.bind(self.handlers())
        self.player.sigPlayingChanged.connect(
            lambda playing: actions.toggle_play.setText("&Pause" if playing else "&Play"))

    def update_actions(self, has_project: bool) -> None:
        a, has_video = self.actions, self.state.video is not None
        for act in (a.toggle_play, a.step_back, a.step_forward, a.back_ten, a.forward_ten,
                    a.go_start, a.go_end, a.zoom_all, a.slower, a.faster, a.normal_speed):
            act.setEnabled(has_video)
        a.previous_video.setEnabled(has_project)
        a.next_video.setEnabled(has_project)

    # ---- transport -----------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.state.video is not None:
            self.player.toggle_play()

    def step(self, frames: int) -> None:
        if self.state.video is not None:
            self.player.step(frames)

    def go_start(self) -> None:
        if self.state.video is not None:
            self.player.seek(0)

    def go_end(self) -> None:
        if self.state.video is not None:
            self.player.seek(self.state.video.frames - 1)

    def change_speed(self, direction: int) -> None:
        """One step slower (-1) or faster (+1) along ``SPEEDS``, or back to 1x (0)."""
        if self.state.video is None:
            return
        now = self.player.speed()
        if direction == 0:
            new = 1.0
        elif direction > 0:
            new = next((s for s in SPEEDS if s > now + 1e-6), SPEEDS[-1])
        else:
            new = next((s for s in reversed(SPEEDS) if s < now - 1e-6), SPEEDS[0])
        self.player.set_speed(new)
        self.report(f"Speed {new:g}×", 2000)

    def step_trailer(self, delta: int) -> None:
        ids = self.trailer_ids()
        if not ids:
            return
        cur = self.state.video.id if self.state.video else None
        i = ids.index(cur) + delta if cur in ids else 0
        if 0 <= i < len(ids):
            self.select(ids[i])

    # ---- view ----------------------------------------------------------------------------
    def zoom_all(self) -> None:
        self.timeline.zoom_all()

    def zoom_selection(self) -> None:
        sel = self.timeline.selection()
        if sel:
            pad = max(2, (sel[1] - sel[0]) // 10)
            self.timeline.zoom_to(max(0, sel[0] - pad), sel[1] + pad)
