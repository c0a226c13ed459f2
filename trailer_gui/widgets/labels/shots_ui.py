"""Shot boundaries in the main window (issue #6): cut markers for the open trailer and the
"Snap to shots" toggle.

``ShotTools`` sets up the checkable action ``snap_to_shots`` (Labels menu, key S, state in
``Prefs.snap_to_shots``), shows the current trailer's stored cuts on the timeline (it follows
``WorkspaceState.sigVideoChanged``) and snaps a range fill (``snap_fill``). It binds its own
action's callback (``actions.Actions.bind``) and is handed what it uses: the state, the
timeline, the action table, the preferences and a status reporter.

Cuts are detected when a video is added (in the same decoding pass as the probe) or, for a
video added before, on its next export or ``trailer shots``; until then the trailer shows no
markers, snapping leaves ranges as they are and a double-click only seeks.
"""

from __future__ import annotations

from PySide6 import QtCore

from ...core.shots import snap_range
from ..messages import Report


class ShotTools(QtCore.QObject):
    def __init__(self, state, timeline, actions, prefs, report: Report,
                 parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.state, self.timeline, self.actions = state, timeline, actions
        self.prefs, self.report = prefs, report
        action = actions.snap_to_shots
        action.setCheckable(True)
        on = prefs.snap_to_shots
        action.setChecked(on)
        timeline.set_snap_to_shots(on)
        actions.bind({"snap_to_shots": lambda *_: self.set_snap(action.isChecked())})
        state.sigVideoChanged.connect(self.video_changed)  # cut markers follow the trailer

    def video_changed(self, video) -> None:
        """``WorkspaceState.sigVideoChanged``: a trailer (or none) is current."""
        if video is None:
            self.video_closed()
        else:
            self.video_opened(video)

    def video_opened(self, video) -> None:
        project = self.state.project
        cuts = None
        if project is not None:
            try:
                cuts = project.cuts(video.id)
            except Exception:  # an unreadable row is not worth a dialog: no markers
                cuts = None
        self.timeline.set_cuts(cuts)

    def video_closed(self) -> None:
        self.timeline.set_cuts(None)

    def set_snap(self, on: bool) -> None:
        on = bool(on)
        self.prefs.snap_to_shots = on
        self.timeline.set_snap_to_shots(on)
        action = self.actions.snap_to_shots
        if action.isChecked() != on:
            action.setChecked(on)
        self.report("Snap to shots on" if on else "Snap to shots off", 2000)

    def snap_fill(self, start: int, stop: int) -> tuple[int, int]:
        """The range a fill of [start, stop) covers: snapped to cuts when snapping is on."""
        tl = self.timeline
        if not tl.snap_to_shots() or tl.cuts() is None:
            return start, stop
        return snap_range(start, stop, tl.cuts(), tl.frames, tl.shots.tolerance)
