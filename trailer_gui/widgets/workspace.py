"""What is open, announced: the one object views and controllers subscribe to.

As SLEAP's ``GuiState.connect`` and napari's evented ``Dims``: whoever changes the project, the
trailer, the frame, the annotator or the shown run sets it here, and whoever shows or uses it
listens, instead of the window pushing each change into every collaborator by hand.

* ``sigProjectChanged(project | None)``  a project was opened (its genres and annotator are
  set; no trailer yet) or closed (the trailer was let go first)
* ``sigVideoChanged(video | None)``  a trailer and its ``LabelEditor`` are current, or none is
  (the old one was saved before); subscribers connected in order of need: views that show
  labels first, then the player, then what hangs off the player (sound, filmstrip, cuts)
* ``sigFrameChanged(int)``  the frame on screen (the player's, while playing too)
* ``sigAnnotatorChanged(str)``  whose labels are edited changed (same project)
* ``sigRunChanged(str | None)``  the model run whose predictions are shown
* ``sigHistoryChanged()``  the current editor's undo/redo history changed (re-sent from
  ``LabelEditor.add_history_listener`` of whichever editor is current)

The labels themselves live in ``editor`` (the truth) and the store (saved).
"""

from __future__ import annotations

from PySide6 import QtCore
from PySide6.QtCore import Signal

from ..core.editing import LabelEditor
from ..core.genres import Genre
from ..core.store import Project, Video


class WorkspaceState(QtCore.QObject):
    sigProjectChanged = Signal(object)
    sigVideoChanged = Signal(object)
    sigFrameChanged = Signal(int)
    sigAnnotatorChanged = Signal(str)
    sigRunChanged = Signal(object)
    sigHistoryChanged = Signal()

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.project: Project | None = None
        self.genres: list[Genre] = []  # the project's, in column order
        self.annotator = ""  # whose labels are edited
        self.video: Video | None = None
        self.editor: LabelEditor | None = None
        self.frame = 0
        self.run: str | None = None

    # ---- setters: each changes one thing and says so ---------------------------------------
    def set_project(self, project: Project | None, genres: list[Genre] | None = None,
                    annotator: str = "") -> None:
        """Open ``project`` (or none): call with no trailer current (``set_video(None)``)."""
        if self.video is not None:
            raise RuntimeError("let go of the trailer before changing the project")
        self.project = project
        self.genres = list(genres or []) if project is not None else []
        self.annotator = annotator if project is not None else ""
        self.frame = 0
        self.run = None
        self.sigProjectChanged.emit(project)

    def set_video(self, video: Video | None, editor: LabelEditor | None = None) -> None:
        """Make ``video`` with its ``editor`` current (both, or neither)."""
        if (video is None) != (editor is None):
            raise ValueError("a trailer comes with its editor")
        if self.editor is not None:
            self.editor.remove_history_listener(self.sigHistoryChanged.emit)
        self.video, self.editor = video, editor
        if editor is not None:
            editor.add_history_listener(self.sigHistoryChanged.emit)
        self.sigVideoChanged.emit(video)
        self.sigHistoryChanged.emit()

    def set_frame(self, frame: int) -> None:
        """The frame on screen. Always announced (a new trailer may show the same number)."""
        self.frame = int(frame)
        self.sigFrameChanged.emit(self.frame)

    def set_annotator(self, annotator: str) -> None:
        if annotator != self.annotator:
            self.annotator = annotator
            self.sigAnnotatorChanged.emit(annotator)

    def set_run(self, run: str | None) -> None:
        if run != self.run:
            self.run = run
            self.sigRunChanged.emit(run)
