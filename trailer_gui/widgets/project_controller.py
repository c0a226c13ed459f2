"""The File menu's work: new, open, the demo, recent projects, adding videos (dialog or drop)
and exporting the dataset.

``ProjectController`` owns these actions (``handlers`` for ``actions.Actions.bind``) and the
long jobs behind them (making the demo, adding videos: ``workers.tasks.Task``). Opening and
closing a project themselves stay the window's (``open_project_path``, ``close_project``): they
change the ``WorkspaceState`` and the page shown, which the window lays out; this controller
asks for them. It reports through ``report`` (the status bar) and parents its dialogs on the
window.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Qt

from ..core.errors import TrailerError
from ..core.store import Project, is_project
from ..workers.project_jobs import AddResult, add_videos, make_demo_atomically
from ..workers.tasks import Task
from .messages import show_error, show_message
from .prefs import reachable

APP_TITLE = "trailer-gui"
VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".mkv", ".avi", ".webm", ".mpg", ".mpeg", ".wmv", ".ts"}


def demo_folder() -> Path:
    base = QtCore.QStandardPaths.writableLocation(QtCore.QStandardPaths.AppDataLocation)
    return Path(base or Path.home() / ".local" / "share" / APP_TITLE) / "demo"


class ProjectController(QtCore.QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.report: Callable[..., None] = window.statusBar().showMessage
        self._add_task: Task | None = None
        self._demo_task: Task | None = None
        self.export_dialog = None
        window.start_page.sigNew.connect(self.new_project)
        window.start_page.sigOpen.connect(self.open_project)
        window.start_page.sigDemo.connect(self.open_demo)
        window.busy_page.sigCancel.connect(self.cancel_demo)

    def handlers(self) -> dict[str, Callable]:
        return {"new_project": self.new_project, "open_project": self.open_project,
                "open_demo": lambda *_: self.open_demo(), "add_videos": self.add_videos,
                "export_dataset": self.export_dataset, "close_project": self.w.close_project}

    def bind_actions(self, actions) -> None:
        actions.bind(self.handlers())
        actions.recent_menu.aboutToShow.connect(self.fill_recent_menu)

    def new_project(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(
            self.w, "New project: choose an empty folder (or make one)", str(Path.home()))
        if not folder:
            return
        self.create_project(folder)

    def create_project(self, folder: str | Path) -> bool:
        try:
            Project.create(folder).close()
        except (TrailerError, OSError) as exc:
            show_error(self.w, "Cannot create project", str(exc))
            return False
        return self.w.open_project_path(folder)

    def open_project(self) -> None:
        start = str(self.w.project.folder.parent) if self.w.project else str(Path.home())
        folder = QtWidgets.QFileDialog.getExistingDirectory(self.w, "Open project folder", start)
        if folder:
            self.w.open_project_path(folder)

    def open_demo(self, folder: str | Path | None = None, trailers: int = 8,
                  seconds: float = 20.0, sound: bool = True) -> Task | None:
        """Open the demo project, making it first (in a worker, with progress) if need be."""
        folder = Path(folder) if folder else demo_folder()
        if is_project(folder):
            self.w.open_project_path(folder)
            return None
        if self._demo_task is not None:
            return self._demo_task
        self.w.close_project()
        self.w.busy_page.begin("Making the demo project…")
        self.w.pages.setCurrentWidget(self.w.busy_page)
        task = Task(make_demo_atomically, folder, trailers, seconds, sound, name="demo")
        task.sigProgress.connect(self.w.busy_page.update_progress)
        task.sigFinished.connect(lambda path: self.w.open_project_path(path))
        task.sigErrored.connect(lambda exc: self._demo_failed(exc, task))
        task.sigCancelled.connect(lambda: self.w.pages.setCurrentWidget(self.w.start_page))
        task.sigDone.connect(lambda: setattr(self.w, "_demo_task", None))
        self._demo_task = task.start()
        return task

    def cancel_demo(self) -> None:
        if self._demo_task is not None:
            self._demo_task.cancel()
            self.w.busy_page.cancel_button.setEnabled(False)
            self.w.busy_page.status.setText("Cancelling…")

    def _demo_failed(self, exc: BaseException, task: Task) -> None:
        self.w.pages.setCurrentWidget(self.w.start_page)
        details = None if isinstance(exc, TrailerError) else task.traceback
        show_error(self.w, "Cannot make the demo", str(exc), details)

    def add_videos(self) -> None:
        if self.w.project is None:
            show_message(self.w, "Add videos", "Open or create a project first.",
                         icon=QtWidgets.QMessageBox.Information)
            return
        exts = " ".join(f"*{s}" for s in sorted(VIDEO_SUFFIXES))
        files, _ = QtWidgets.QFileDialog.getOpenFileNames(
            self.w, "Add videos", str(self.w.project.folder / "videos"), f"Videos ({exts});;All files (*)")
        if files:
            self.add_video_files(files)

    def add_video_files(self, paths: list[str | Path]) -> Task | None:
        """Probe and add files in a worker; refused ones are reported by name and reason."""
        if self.w.project is None:
            show_message(self.w, "Add videos", "Open or create a project first.",
                         icon=QtWidgets.QMessageBox.Information)
            return None
        if self._add_task is not None:
            self.report("Still adding the previous videos…", 3000)
            return None
        task = Task(add_videos, self.w.project.folder, [str(p) for p in paths], name="add videos")
        self.w.task_progress.setRange(0, 0)
        self.w.task_progress.setVisible(True)
        task.sigProgress.connect(self.show_progress)
        task.sigFinished.connect(self._on_videos_added)
        task.sigErrored.connect(lambda exc: show_error(self.w, "Adding videos failed", str(exc)))
        task.sigDone.connect(self._on_add_done)
        self._add_task = task.start()
        self.report(f"Adding {len(paths)} file(s)…")
        return task

    def show_progress(self, done: int, total: int, stage: str) -> None:
        self.w.task_progress.setRange(0, max(1, total))
        self.w.task_progress.setValue(done)
        self.report(stage)

    def _on_add_done(self) -> None:
        self._add_task = None
        self.w.task_progress.setVisible(False)

    def _on_videos_added(self, result: AddResult) -> None:
        self.w._refresh_list()
        self.w.model_ctl.refresh_notes()  # the rows were remade
        n = len(result.added)
        self.report(f"Added {n} trailer{'s' * (n != 1)}", 5000)
        self.w.proxies.ensure()  # a proxy that could not be made while adding
        if result.added and self.w.state.video is None:
            self.w.select_video(result.added[0])
        if result.refused:
            lines = [f"{Path(p).name}: {reason}" for p, reason in result.refused]
            head = (f"{len(result.refused)} file(s) not added"
                    + (f" ({n} added)." if n else "."))
            show_error(self.w, "Some files were not added", head + "\n\n" + "\n".join(lines),
                       "\n".join(f"{p}: {reason}" for p, reason in result.refused))
        self.w._update_actions()

    def export_dataset(self) -> None:
        if self.w.project is None:
            return
        from .export_dialog import ExportDialog

        if self.export_dialog is not None and self.export_dialog.running():
            self.export_dialog.show()
            self.export_dialog.raise_()
            return
        if self.w.model_ctl.busy():
            # A model job exports what it needs itself; two writers of one dataset would race.
            self.report(
                "A model job is running and exports what it needs: wait for it, or cancel it", 5000)
            return
        self.w.autosaver.flush()
        dialog = ExportDialog(self.w.project, self.w.state.annotator, self.w.autosaver.flush, self.w)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: setattr(self, "export_dialog", None))
        dialog.sigExported.connect(lambda r: self.report(r.summary(), 10_000))
        self.export_dialog = dialog
        dialog.open()

    def fill_recent_menu(self) -> None:
        menu = self.w.actions.recent_menu
        menu.clear()
        recent = self.w.prefs.recent_projects()
        for folder in recent:
            action = menu.addAction(f"{folder.name}  —  {folder.parent}")
            action.setEnabled(reachable(folder))
            action.triggered.connect(lambda _=False, f=folder: self.w.open_project_path(f))
        if recent:
            menu.addSeparator()
            menu.addAction("Clear list", self.clear_recent)
        else:
            menu.addAction("No recent projects").setEnabled(False)

    def clear_recent(self) -> None:
        self.w.prefs.clear_recent()
        self.w.start_page.set_recent([])

    def drop(self, paths: list[Path]) -> None:
        """Files or folders dropped on the window: a project opens, videos are added (a
        folder's videos, by name)."""
        if len(paths) == 1 and is_project(paths[0]):
            self.w.open_project_path(paths[0])
            return
        files: list[Path] = []
        for p in paths:
            if p.is_dir():
                files += sorted(f for f in p.iterdir() if f.suffix.lower() in VIDEO_SUFFIXES)
            else:
                files.append(p)
        if files:
            self.add_video_files(files)
