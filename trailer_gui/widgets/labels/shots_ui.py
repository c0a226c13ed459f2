"""Shot boundaries in the main window (issue #6): cut markers for the open trailer and the
"Snap to shots" toggle.

``ShotTools(window)`` sets up the checkable action ``snap_to_shots`` (Labels menu, key S,
state in ``Prefs.snap_to_shots``), shows the open trailer's stored cuts on the timeline
(``video_opened`` / ``video_closed``) and snaps a range fill (``snap_fill``).
It binds its own action's callback (``actions.Actions.bind``).

Cuts are detected when a video is added (in the same decoding pass as the probe) or, for a
video added before, on its next export or ``trailer shots``; until then the trailer shows no
markers, snapping leaves ranges as they are and a double-click only seeks.
"""

from __future__ import annotations

from PySide6 import QtCore

from ...core.shots import snap_range


class ShotTools(QtCore.QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        action = window.actions.snap_to_shots
        action.setCheckable(True)
        on = window.prefs.snap_to_shots
        action.setChecked(on)
        window.timeline.set_snap_to_shots(on)
        window.actions.bind({"snap_to_shots": lambda *_: self.set_snap(action.isChecked())})

    def video_changed(self, video) -> None:
        """``WorkspaceState.sigVideoChanged``: a trailer (or none) is current."""
        if video is None:
            self.video_closed()
        else:
            self.video_opened(video)

    def video_opened(self, video) -> None:
        project = self.window.project
        cuts = None
        if project is not None:
            try:
                cuts = project.cuts(video.id)
            except Exception:  # an unreadable row is not worth a dialog: no markers
                cuts = None
        self.window.timeline.set_cuts(cuts)

    def video_closed(self) -> None:
        self.window.timeline.set_cuts(None)

    def set_snap(self, on: bool) -> None:
        on = bool(on)
        self.window.prefs.snap_to_shots = on
        self.window.timeline.set_snap_to_shots(on)
        action = self.window.actions.snap_to_shots
        if action.isChecked() != on:
            action.setChecked(on)
        self.window.statusBar().showMessage(
            "Snap to shots on" if on else "Snap to shots off", 2000)

    def snap_fill(self, start: int, stop: int) -> tuple[int, int]:
        """The range a fill of [start, stop) covers: snapped to cuts when snapping is on."""
        tl = self.window.timeline
        if not tl.snap_to_shots() or tl.cuts() is None:
            return start, stop
        return snap_range(start, stop, tl.cuts(), tl.frames, tl.shots.tolerance)
