"""The window's side of "labels are never lost" (#10): backups while editing, the damaged-project
dialog (Restore / Open another project), and read-only projects (banner, edits refused).

Backups run in a worker (``core.backup.take_backup``): one when a project opens, then one
``BACKUP_INTERVAL_MS`` after the first label save since the last backup, and one on close if
labels were saved since. A failed backup is a status-bar line, never a dialog: editing goes on.

``Recovery`` is handed what it works with, not the window: the ``WorkspaceState`` (it follows
``sigProjectChanged``: a backup or the read-only banner when a project opens), a status
reporter, the parent of its dialogs, and how to open a project (``open_project``: ask for one;
``open_project_path``). Its ``banner`` is placed by whoever lays out the editor page; the
project controller calls ``closing`` before a project closes and asks it for the editor of a
read-only project (``editor_class``, ``prepare_editor``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Qt, Signal

from ...core import backup
from ...core.editing import LabelEditor
from ...core.errors import DamagedProject, TrailerError
from ...workers.tasks import Task
from ..messages import Report, show_error

BACKUP_INTERVAL_MS = 5 * 60 * 1000


class ReadOnlyEditor(LabelEditor):
    """A LabelEditor that refuses every change (they all go through ``set_block``) and says
    why through ``on_refused``: a read-only project can be played and looked at, not edited."""

    on_refused: Callable[[], None] | None = None

    def set_block(self, start: int, values: np.ndarray, name: str | None = None) -> bool:
        if self.on_refused is not None:
            self.on_refused()
        return False


class DamagedProjectDialog(QtWidgets.QMessageBox):
    """Non-blocking (``open()``): the app goes on; tests press its buttons like a user."""

    sigRestore = Signal(str)  # project folder
    sigOpenAnother = Signal()

    def __init__(self, exc: DamagedProject, parent=None):
        super().__init__(QtWidgets.QMessageBox.Warning, "Project damaged", "", parent=parent)
        self.setObjectName("damagedProject")
        self.setTextFormat(Qt.PlainText)
        self.setAttribute(Qt.WA_DeleteOnClose)
        self.folder = exc.folder
        text = (f"The project “{exc.folder.name}” cannot be opened: its file {exc.path.name} "
                f"is damaged ({exc.problem}).\n\nNothing was changed.")
        if exc.backup is not None:
            when = _backup_time(exc.backup)
            text += (f" The newest good backup is from {when}. Restore puts it back; the damaged "
                     "file is kept beside it (renamed), not deleted.")
        else:
            text += f" There is no good backup in {exc.folder / backup.BACKUP_DIR}."
        self.setText(text)
        self.setDetailedText(str(exc))
        self.restore_button = None
        if exc.backup is not None:
            self.restore_button = self.addButton("Restore backup", QtWidgets.QMessageBox.AcceptRole)
            self.restore_button.clicked.connect(lambda: self.sigRestore.emit(str(self.folder)))
        self.open_button = self.addButton("Open another project…", QtWidgets.QMessageBox.ActionRole)
        self.open_button.clicked.connect(self.sigOpenAnother.emit)
        self.addButton(QtWidgets.QMessageBox.Cancel)
        self.setDefaultButton(self.restore_button or self.open_button)


def _backup_time(path: Path) -> str:
    for b in backup.list_backups(path.parent.parent):
        if b.path == path:
            return b.local_time
    return path.name


class Recovery(QtCore.QObject):
    """Connect the autosaver's ``sigSaved`` to :meth:`labels_saved`; see the module docstring."""

    sigBackedUp = Signal(object)  # core.backup.BackupResult

    def __init__(self, state, report: Report, parent: QtWidgets.QWidget,
                 open_project: Callable[[], None],
                 open_project_path: Callable[[str | Path], bool],
                 interval_ms: int = BACKUP_INTERVAL_MS):
        super().__init__(parent)
        self.state, self.report, self.parent_widget = state, report, parent
        self.open_project, self.open_project_path = open_project, open_project_path
        self.task: Task | None = None
        self.saved_since_backup = False
        self.last_result: backup.BackupResult | None = None
        self.last_error = ""
        self.timer = QtCore.QTimer(self, singleShot=True, interval=interval_ms)
        self.timer.timeout.connect(self.backup_now)
        self.banner = QtWidgets.QLabel()
        self.banner.setObjectName("readOnlyBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("QLabel { background: #7a4b00; color: white; padding: 6px; "
                                  "font-weight: bold; border-radius: 3px; }")
        self.banner.setVisible(False)
        state.sigProjectChanged.connect(lambda project: project is not None and self.opened())

    # ---- project life --------------------------------------------------------------------
    @property
    def project(self):
        return self.state.project

    @property
    def read_only(self) -> bool:
        return bool(self.project is not None and self.project.read_only)

    def opened(self) -> None:
        """A project was opened: banner if read-only, else a backup now (in a worker)."""
        self.timer.stop()
        self.saved_since_backup = False
        ro = self.read_only
        if ro:
            self.banner.setText(f"Read-only: changes cannot be saved. You can play, look and "
                                f"export elsewhere, but not write to {self.project.folder}.")
        self.banner.setVisible(ro)
        if not ro and self.project is not None:
            self.backup_now()

    def closing(self) -> None:
        """The project is about to close: a last backup if labels were saved since the last
        one (here, not in a worker: the project is going away; a small file, milliseconds)."""
        self.timer.stop()
        self.banner.setVisible(False)
        if self.task is not None:  # the backup of this project finishes before it closes
            self.task.wait()
            self.task = None
        if self.project is not None and self.saved_since_backup and not self.read_only:
            self._finish(lambda: backup.take_backup(self.project.folder))

    def labels_saved(self, *_):
        self.saved_since_backup = True
        if not self.timer.isActive():
            self.timer.start()

    def backup_now(self) -> Task | None:
        if self.project is None or self.read_only:
            return None
        if self.task is not None:  # one at a time; the next save starts the timer again
            return self.task
        self.saved_since_backup = False
        task = Task(lambda progress, folder: backup.take_backup(folder), self.project.folder,
                    name="backup")
        task.sigFinished.connect(self._backed_up)
        task.sigErrored.connect(self._failed)
        task.sigDone.connect(lambda: self._task_done(task))
        self.task = task.start()
        return task

    def _task_done(self, task: Task) -> None:
        if self.task is task:  # not a newer project's backup
            self.task = None

    def _finish(self, fn) -> None:
        try:
            self._backed_up(fn())
        except (TrailerError, OSError) as exc:
            self._failed(exc)

    def _backed_up(self, result: backup.BackupResult) -> None:
        self.last_result, self.last_error = result, ""
        self.sigBackedUp.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self.last_error = str(exc)
        self.saved_since_backup = True  # try again after the next interval
        self.report(f"Backup not made: {exc}", 10_000)

    # ---- read-only -----------------------------------------------------------------------
    def editor_class(self) -> type[LabelEditor]:
        return ReadOnlyEditor if self.read_only else LabelEditor

    def prepare_editor(self, editor: LabelEditor) -> LabelEditor:
        if isinstance(editor, ReadOnlyEditor):
            editor.on_refused = self.refuse_edit
        return editor

    def refuse_edit(self) -> None:
        self.report(
            "Read-only project: labels cannot be changed here (the folder is not writable)", 5000)

    # ---- damaged projects ----------------------------------------------------------------
    def show_damaged(self, exc: DamagedProject) -> DamagedProjectDialog:
        dialog = DamagedProjectDialog(exc, self.parent_widget)
        dialog.sigRestore.connect(self.restore)
        dialog.sigOpenAnother.connect(lambda: QtCore.QTimer.singleShot(0, self.open_project))
        dialog.open()
        return dialog

    def restore(self, folder: str) -> bool:
        """Put the newest good backup back (the damaged file kept aside) and open it."""
        try:
            result = backup.restore_backup(folder)
        except (TrailerError, OSError) as exc:
            show_error(self.parent_widget, "Cannot restore the backup", str(exc))
            return False
        if not self.open_project_path(folder):
            return False
        kept = next((p.name for p in result.kept_aside), None)
        self.report(
            f"Restored the backup {result.backup.name}"
            + (f"; the damaged file is kept as {kept}" if kept else ""), 15_000)
        return True

