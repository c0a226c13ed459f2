"""File ▸ Locate video…: point a trailer whose file moved or changed back at its file.

A trailer whose file is missing, or was replaced on disk, is not opened under its old
timeline: the list shows it in red ("file not found", "changed on disk") and selecting it
offers **Locate…** (choose the file) or, for a changed file, **Use the changed file**. Both
relink in a worker (``core.relink``: probing decodes the file once): the same number of
frames keeps every label; another number asks first, naming both, and then fits the labels
after a backup of the project.

``Relinker`` owns the action ``locate_video`` (also on the trailer list's context menu) and is
handed what it works with, not the window: the ``WorkspaceState``, the trailer list, the
action table, the trailer moves of the project controller (``leave_video``, ``refresh_list``,
``select_video``, ``show_progress``), the status bar's task progress bar, a status reporter and
the parent of its dialogs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6 import QtCore, QtWidgets

from ...core.errors import TrailerError, VideoChanged, VideoError
from ...core.relink import FrameCountMismatch, RelinkResult, relink_video
from ...core.store import Project, Video
from ...workers.tasks import Task
from ..messages import Report, show_error

VIDEO_FILTER = "Videos (*.mp4 *.mov *.mkv *.avi *.webm *.m4v *.mpg *.mpeg);;All files (*)"


def _relink_job(progress, folder: Path, video_id: int, path: str, force: bool) -> RelinkResult:
    """Worker side: its own Project (its own sqlite connection), closed when done."""
    project = Project.open(folder)
    try:
        return relink_video(project, video_id, path, force=force, progress=progress)
    finally:
        project.close()


class Relinker(QtCore.QObject):
    sigRelinked = QtCore.Signal(object)  # RelinkResult

    def __init__(self, state, video_list, actions, *, leave_video: Callable[[], None],
                 refresh_list: Callable[[], None], select_video: Callable[..., bool],
                 show_progress: Callable[[int, int, str], None],
                 task_progress: QtWidgets.QProgressBar, report: Report, parent: QtWidgets.QWidget):
        super().__init__(parent)
        self.state, self.video_list, self.actions = state, video_list, actions
        self.leave_video, self.refresh_list, self.select_video = leave_video, refresh_list, select_video
        self.show_progress, self.task_progress = show_progress, task_progress
        self.report, self.parent_widget = report, parent
        self.task: Task | None = None
        self.box: QtWidgets.QMessageBox | None = None  # the open question, if any
        # Asks for the file (a QFileDialog); tests replace it.
        self.ask_path = self._ask_path
        view = video_list.view  # right-click on a trailer: Locate video…
        view.setContextMenuPolicy(QtCore.Qt.ActionsContextMenu)
        view.addAction(actions.locate_video)
        actions.bind({"locate_video": lambda *_: self.locate()})  # not the checked flag

    # ---- what to relink -----------------------------------------------------------------
    def target(self) -> int | None:
        """The trailer Locate… applies to: the open one, else the one selected in the list."""
        st = self.state
        if st.project is None:
            return None
        if st.video is not None:
            return st.video.id
        return self.video_list.current()

    def update_actions(self) -> None:
        self.actions.locate_video.setEnabled(self.target() is not None and self.task is None)

    # ---- asking -----------------------------------------------------------------------------
    def offer(self, video: Video, exc: VideoError) -> QtWidgets.QMessageBox:
        """The trailer cannot be opened as it is: say why and offer Locate…"""
        changed = isinstance(exc, VideoChanged)
        text = (f"{video.name}: {exc.reason}.\n\nIts labels ({video.frames} frames) are safe. "
                + ("Use the changed file if it is the same trailer (its number of frames is "
                   "checked), or locate the right file." if changed else
                   "If the file was moved or renamed, locate it: the labels are kept."))
        box = self._question("Trailer unavailable", text)
        locate = box.addButton("Locate…", QtWidgets.QMessageBox.AcceptRole)
        use = box.addButton("Use the changed file", QtWidgets.QMessageBox.ActionRole) if changed else None
        box.addButton(QtWidgets.QMessageBox.Cancel)

        def clicked(button):
            if button is locate:
                self.locate(video.id)
            elif use is not None and button is use:
                self.relink(video.id, str(video.path))

        box.buttonClicked.connect(clicked)
        box.open()
        return box

    def _question(self, title: str, text: str) -> QtWidgets.QMessageBox:
        if self.box is not None:  # one question at a time (e.g. two clicks on the trailer)
            self.box.close()
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Warning, title, text,
                                    QtWidgets.QMessageBox.NoButton, self.parent_widget)
        box.setObjectName("message")
        box.setTextFormat(QtCore.Qt.PlainText)
        box.setAttribute(QtCore.Qt.WA_DeleteOnClose)
        self.box = box
        box.destroyed.connect(lambda *_: setattr(self, "box", None) if self.box is box else None)
        return box

    def _ask_path(self, video: Video) -> str:
        start = video.path.parent if video.path.parent.is_dir() else self.state.project.folder
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self.parent_widget, f"Locate {video.name}", str(start), VIDEO_FILTER)
        return path

    def locate(self, video_id: int | None = None) -> Task | None:
        """Ask for the trailer's file, then relink to it."""
        video_id = self.target() if video_id is None else video_id
        if video_id is None or self.state.project is None:
            return None
        path = self.ask_path(self.state.project.video(video_id))
        return self.relink(video_id, path) if path else None

    # ---- relinking --------------------------------------------------------------------------
    def relink(self, video_id: int, path: str, force: bool = False) -> Task | None:
        st = self.state
        if self.task is not None or st.project is None:
            return None
        reopen = st.video is not None and st.video.id == video_id
        if reopen:
            self.leave_video()  # its labels are saved; the editor must not outlive a length change
        task = Task(_relink_job, st.project.folder, video_id, str(path), force, name="relink")
        task.sigProgress.connect(self.show_progress)
        task.sigFinished.connect(lambda result: self._on_finished(result))
        task.sigErrored.connect(lambda exc: self._on_errored(exc, video_id, path, reopen))
        task.sigDone.connect(self._on_done)
        self.task_progress.setRange(0, 0)
        self.task_progress.setVisible(True)
        self.report(f"Reading {Path(path).name}…")
        self.task = task.start()
        self.update_actions()
        return task

    def _on_finished(self, result: RelinkResult) -> None:
        self.refresh_list()
        self.select_video(result.video.id)
        self.report(f"Relinked: {result.summary}", 10_000)
        self.sigRelinked.emit(result)

    def _on_errored(self, exc: BaseException, video_id: int, path: str, reopen: bool) -> None:
        if isinstance(exc, FrameCountMismatch):
            box = self._question(
                "Another number of frames",
                f"{Path(path).name} has {exc.frames} frames; the labels of {exc.video.name} "
                f"were made for {exc.video.frames}.\n\nRelink anyway? Labels past the end are "
                "cut (or unlabelled frames added); a backup of the project is kept first.")
            force = box.addButton("Relink anyway", QtWidgets.QMessageBox.DestructiveRole)
            box.addButton(QtWidgets.QMessageBox.Cancel)
            box.buttonClicked.connect(
                lambda b: self.relink(video_id, path, force=True) if b is force else None)
            box.open()
        else:
            text = str(exc) if isinstance(exc, (TrailerError, OSError)) else f"{type(exc).__name__}: {exc}"
            show_error(self.parent_widget, "Cannot relink the trailer", f"{text}\n\nIts labels are unchanged.")
        if reopen and self.state.video is None:
            self.select_video(video_id, 0)

    def _on_done(self) -> None:
        self.task = None
        self.task_progress.setVisible(False)
        self.update_actions()
