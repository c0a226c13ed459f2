"""Projects and trailers: open and close a project, choose a trailer, and the File menu's work
(new, open, the demo, recent projects, adding videos by dialog or drop, exporting the dataset).

``ProjectController`` changes the ``WorkspaceState`` (``set_project``, ``set_video``,
``set_annotator``) and the views follow by listening. Opening a trailer is where its editor
comes from: the ``Autosaver`` (the stored labels, or edits still waiting for a locked database)
or, for a read-only project, ``Recovery``'s editor that refuses edits; a missing or changed
file goes to the ``Relinker`` instead. The trailer and frame are remembered in the project
(``ui.video``, ``ui.frame``). It owns the File menu's actions (``handlers``) and the long jobs
behind them (``workers.tasks.Task``), reports through ``report`` (the status bar) and parents
its dialogs on ``parent``.

It is handed the widgets it drives (player, trailer list, start and busy pages, the task
progress bar) and, for what only the window around it knows, a small :class:`ProjectShell`:
which page shows, the title and enabled actions, the frame on screen, and the window's
``recovery`` and ``relinker``. It announces ``sigRowsRemade`` when the trailer list was filled
anew for other labels or trailers (per-row notes are redone) and ``sigVideosAdded``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol

from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Qt, Signal

from ...core.errors import DamagedProject, TrailerError, VideoChanged, VideoMissing
from ...core.project_layout import VIDEOS_DIR
from ...core.relink import availability
from ...core.store import Project, Video, is_project
from ...services.project_jobs import AddResult, add_videos, make_demo_atomically
from ...workers.tasks import Task
from ..messages import Report, show_error, show_message
from ..prefs import reachable
from .video_list import TrailerRow

if TYPE_CHECKING:
    from .recovery import Recovery
    from .relink_ui import Relinker

APP_TITLE = "trailer-gui"
UI_STATE_DELAY_MS = 1500  # the position is remembered this long after the player stops
VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".mkv", ".avi", ".webm", ".mpg", ".mpeg", ".wmv", ".ts"}


def demo_folder() -> Path:
    base = QtCore.QStandardPaths.writableLocation(QtCore.QStandardPaths.AppDataLocation)
    return Path(base or Path.home() / ".local" / "share" / APP_TITLE) / "demo"


class ProjectShell(Protocol):
    """What the project controller needs from the window around it (``MainWindow`` is one)."""

    recovery: Recovery  # backups, damaged projects, the editor of a read-only project
    relinker: Relinker  # a trailer whose file moved or changed

    def show_page(self, name: str) -> None:
        """Show the "start", "busy" or "editor" page."""

    def refresh(self) -> None:
        """Title and enabled actions, after what is open changed."""

    def current_frame(self) -> int:
        """The frame on screen."""

    def model_busy(self) -> bool:
        """A model job runs (it exports the dataset itself)."""


class ProjectController(QtCore.QObject):
    sigRowsRemade = Signal()  # the trailer list was refilled (other annotator, added trailers)
    sigVideosAdded = Signal(object)  # AddResult

    def __init__(self, shell: ProjectShell, state, prefs, autosaver, player, video_list,
                 start_page, busy_page, task_progress: QtWidgets.QProgressBar,
                 release_held_keys: Callable[[], None], report: Report,
                 parent: QtWidgets.QWidget):
        super().__init__(parent)
        self.shell, self.state, self.prefs, self.autosaver = shell, state, prefs, autosaver
        self.player, self.video_list, self.task_progress = player, video_list, task_progress
        self.start_page, self.busy_page = start_page, busy_page
        self.release_held_keys, self.report, self.parent_widget = release_held_keys, report, parent
        self.actions = None  # set by bind_actions
        self._add_task: Task | None = None
        self._demo_task: Task | None = None
        self.export_dialog = None
        self._videos_at_open: list[Video] | None = None
        self._ui_state_timer = QtCore.QTimer(self, singleShot=True, interval=UI_STATE_DELAY_MS)
        self._ui_state_timer.timeout.connect(self.save_ui_state)
        player.sigFrameChanged.connect(lambda _: player.is_playing() or self._ui_state_timer.start())
        player.sigPlayingChanged.connect(lambda playing: playing or self._ui_state_timer.start())
        video_list.sigVideoSelected.connect(self.select_video)
        start_page.sigOpenPath.connect(self.open_project_path)
        start_page.sigNew.connect(self.new_project)
        start_page.sigOpen.connect(self.open_project)
        start_page.sigDemo.connect(self.open_demo)
        busy_page.sigCancel.connect(self.cancel_demo)

    def handlers(self) -> dict[str, Callable]:
        return {"new_project": self.new_project, "open_project": self.open_project,
                "open_demo": lambda *_: self.open_demo(), "add_videos": self.add_videos,
                "export_dataset": self.export_dataset, "close_project": self.close_project}

    def bind_actions(self, actions) -> None:
        self.actions = actions
        actions.bind(self.handlers())
        actions.recent_menu.aboutToShow.connect(self.fill_recent_menu)

    # ---- open and close -----------------------------------------------------------------
    def annotator_for(self, project: Project) -> str:
        return self.prefs.annotator or project.annotator

    def open_project_path(self, path: str | Path) -> bool:
        path = Path(path)
        if self.state.project is not None and self.state.project.folder == path.resolve():
            self.shell.show_page("editor")
            return True
        try:
            project = Project.open(path)
            genres = project.genres()
            videos = project.videos()
        except DamagedProject as exc:  # a dialog with Restore / Open another project
            self.shell.recovery.show_damaged(exc)
            self.start_page.set_recent(self.prefs.recent_projects())
            return False
        except (TrailerError, OSError, sqlite3.Error) as exc:
            show_error(self.parent_widget, "Cannot open project", f"{path}\n\n{exc}")
            self.start_page.set_recent(self.prefs.recent_projects())
            return False
        self.close_project()
        self.prefs.add_recent(project.folder)
        self._videos_at_open = videos
        self.state.set_project(project, genres, self.annotator_for(project))

        last_id = _int(project.setting("ui.video"))
        ids = [v.id for v in videos]
        if ids:
            vid = last_id if last_id in ids else ids[0]
            frame = _int(project.setting("ui.frame")) if vid == last_id else 0
            self.select_video(vid, frame or 0)
        self.shell.refresh()  # title and enabled actions
        self.player.view.setFocus()  # arrow keys step frames at once, not the trailer list
        return True

    def close_project(self) -> bool:
        if self.state.project is None:
            return True
        self.leave_video()
        self.shell.recovery.closing()
        self.state.project.close()
        self.state.set_project(None)  # the proxy jobs stop
        self.shell.refresh()  # title and enabled actions
        return True

    def refresh_list(self, videos: list[Video] | None = None) -> None:
        p = self.state.project
        if p is None:
            return
        rows = []
        for v in videos if videos is not None else p.videos():
            labels = p.load_labels(v.id, self.state.annotator)
            problem = availability(v)
            if problem:
                problem += ": File ▸ Locate video…"
            rows.append(TrailerRow.from_labels(v, labels, problem))
        self.video_list.set_rows(rows, self.state.genres)
        self.video_list.set_current(self.state.video.id if self.state.video else None)

    def select_video(self, video_id: int, frame: int = 0) -> bool:
        p = self.state.project
        if p is None:
            return False
        if self.state.video is not None and self.state.video.id == video_id:
            return True
        self.leave_video()
        try:
            video = p.video(video_id)
            p.check_video(video)
        except (VideoMissing, VideoChanged) as exc:
            # Never under the old timeline: a replaced file may have other frames. Offer to
            # locate it (or to check and use the changed file).
            self.shell.relinker.offer(video, exc)
            self.video_list.set_current(video_id)
            self.shell.refresh()  # title and enabled actions
            return False
        except (TrailerError, OSError) as exc:
            name = getattr(exc, "path", None)
            show_error(self.parent_widget, "Cannot open trailer",
                       f"{Path(name).name if name else video_id}: {getattr(exc, 'reason', exc)}\n\n{exc}")
            self.video_list.set_current(video_id)
            self.shell.refresh()  # title and enabled actions
            return False
        annotator = self.state.annotator
        if p.read_only:
            # Edits are refused with a message; other programs' changes still show (pull).
            recovery = self.shell.recovery
            editor = recovery.prepare_editor(recovery.editor_class()(
                p.load_labels(video.id, annotator), [g.name for g in self.state.genres]))
            self.autosaver.attach(p, video.id, annotator, editor)
        else:
            # the stored labels, or this trailer's edits still waiting for a locked database
            editor = self.autosaver.open(p, video.id, annotator)
        self.state.set_video(video, editor)  # views, player, sound, filmstrip, cuts follow
        frame = min(max(0, int(frame)), video.frames - 1)
        if frame:
            self.player.seek(frame)
        self.state.set_frame(frame)  # at once, before the player shows it
        self.video_list.set_current(video.id)
        self.save_ui_state()
        self.shell.refresh()  # title and enabled actions
        return True

    def leave_video(self) -> None:
        """Save everything about the current trailer and let go of it."""
        if self.state.video is None:
            return
        self.release_held_keys()
        self.save_ui_state()
        self.autosaver.detach()
        self.player.pause()
        self.state.set_video(None)  # the views, the player and what hangs off it let go

    def switch_annotator(self, annotator: str) -> bool:
        """Edit ``annotator``'s labels from now on: the current ones are saved first, then the
        same trailer and frame open with that annotator's labels (a new editor and history)."""
        st = self.state
        if st.project is None or not annotator or annotator == st.annotator:
            return False
        vid, frame = (st.video.id, self.shell.current_frame()) if st.video else (None, 0)
        self.leave_video()  # saves under the old name
        st.set_annotator(annotator)  # the annotator button follows
        self.refresh_list()
        self.sigRowsRemade.emit()  # notes that compare labels are redone
        if vid is not None:
            self.select_video(vid, frame)
        self.report(f"Now labelling as {annotator}", 5000)
        return True

    def save_ui_state(self) -> None:
        self._ui_state_timer.stop()
        p, v = self.state.project, self.state.video
        if p is None or v is None or p.read_only:
            return
        try:
            with p.busy_timeout(self.autosaver.lock_timeout_s):  # never wait on another program
                p.set_setting("ui.video", str(v.id))
                p.set_setting("ui.frame", str(self.shell.current_frame()))
        except Exception as exc:  # a locked database: not worth a dialog, the labels are saved

            self.report(f"Could not remember the position: {exc}", 5000)

    def take_videos_at_open(self) -> list[Video] | None:
        """The videos read while opening (the list is filled from them, not read twice)."""
        videos, self._videos_at_open = self._videos_at_open, None
        return videos

    # ---- the File menu ------------------------------------------------------------------

    def new_project(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(
            self.parent_widget, "New project: choose an empty folder (or make one)", str(Path.home()))
        if not folder:
            return
        self.create_project(folder)

    def create_project(self, folder: str | Path) -> bool:
        try:
            Project.create(folder).close()
        except (TrailerError, OSError) as exc:
            show_error(self.parent_widget, "Cannot create project", str(exc))
            return False
        return self.open_project_path(folder)

    def open_project(self) -> None:
        start = str(self.state.project.folder.parent) if self.state.project else str(Path.home())
        folder = QtWidgets.QFileDialog.getExistingDirectory(
            self.parent_widget, "Open project folder", start)
        if folder:
            self.open_project_path(folder)

    def open_demo(self, folder: str | Path | None = None, trailers: int = 8,
                  seconds: float = 20.0, sound: bool = True) -> Task | None:
        """Open the demo project, making it first (in a worker, with progress) if need be."""
        folder = Path(folder) if folder else demo_folder()
        if is_project(folder):
            self.open_project_path(folder)
            return None
        if self._demo_task is not None:
            return self._demo_task
        self.close_project()
        self.busy_page.begin("Making the demo project…")
        self.shell.show_page("busy")
        task = Task(make_demo_atomically, folder, trailers, seconds, sound, name="demo")
        task.sigProgress.connect(self.busy_page.update_progress)
        task.sigFinished.connect(lambda path: self.open_project_path(path))
        task.sigErrored.connect(lambda exc: self._demo_failed(exc, task))
        task.sigCancelled.connect(lambda: self.shell.show_page("start"))
        task.sigDone.connect(lambda: setattr(self, "_demo_task", None))
        self._demo_task = task.start()
        return task

    def cancel_demo(self) -> None:
        if self._demo_task is not None:
            self._demo_task.cancel()
            self.busy_page.cancel_button.setEnabled(False)
            self.busy_page.status.setText("Cancelling…")

    def _demo_failed(self, exc: BaseException, task: Task) -> None:
        self.shell.show_page("start")
        details = None if isinstance(exc, TrailerError) else task.traceback
        show_error(self.parent_widget, "Cannot make the demo", str(exc), details)

    def add_videos(self) -> None:
        if self.state.project is None:
            show_message(self.parent_widget, "Add videos", "Open or create a project first.",
                         icon=QtWidgets.QMessageBox.Information)
            return
        exts = " ".join(f"*{s}" for s in sorted(VIDEO_SUFFIXES))
        files, _ = QtWidgets.QFileDialog.getOpenFileNames(
            self.parent_widget, "Add videos", str(self.state.project.folder / VIDEOS_DIR),
            f"Videos ({exts});;All files (*)")
        if files:
            self.add_video_files(files)

    def add_video_files(self, paths: list[str | Path]) -> Task | None:
        """Probe and add files in a worker; refused ones are reported by name and reason."""
        if self.state.project is None:
            show_message(self.parent_widget, "Add videos", "Open or create a project first.",
                         icon=QtWidgets.QMessageBox.Information)
            return None
        if self._add_task is not None:
            self.report("Still adding the previous videos…", 3000)
            return None
        task = Task(add_videos, self.state.project.folder, [str(p) for p in paths], name="add videos")
        self.task_progress.setRange(0, 0)
        self.task_progress.setVisible(True)
        task.sigProgress.connect(self.show_progress)
        task.sigFinished.connect(self._on_videos_added)
        task.sigErrored.connect(
            lambda exc: show_error(self.parent_widget, "Adding videos failed", str(exc)))
        task.sigDone.connect(self._on_add_done)
        self._add_task = task.start()
        self.report(f"Adding {len(paths)} file(s)…")
        return task

    def show_progress(self, done: int, total: int, stage: str) -> None:
        self.task_progress.setRange(0, max(1, total))
        self.task_progress.setValue(done)
        self.report(stage)

    def _on_add_done(self) -> None:
        self._add_task = None
        self.task_progress.setVisible(False)

    def _on_videos_added(self, result: AddResult) -> None:
        self.refresh_list()
        self.sigRowsRemade.emit()
        n = len(result.added)
        self.report(f"Added {n} trailer{'s' * (n != 1)}", 5000)
        self.sigVideosAdded.emit(result)  # e.g. a proxy that could not be made while adding
        if result.added and self.state.video is None:
            self.select_video(result.added[0])
        if result.refused:
            lines = [f"{Path(p).name}: {reason}" for p, reason in result.refused]
            head = (f"{len(result.refused)} file(s) not added"
                    + (f" ({n} added)." if n else "."))
            show_error(self.parent_widget, "Some files were not added", head + "\n\n" + "\n".join(lines),
                       "\n".join(f"{p}: {reason}" for p, reason in result.refused))
        self.shell.refresh()  # Export needs trailers

    def export_running(self) -> bool:
        return self.export_dialog is not None and self.export_dialog.running()

    def export_dataset(self) -> None:
        if self.state.project is None:
            return
        from ..dialogs.export_dialog import ExportDialog

        if self.export_running():
            self.export_dialog.show()
            self.export_dialog.raise_()
            return
        if self.shell.model_busy():
            # A model job exports what it needs itself; two writers of one dataset would race.
            self.report(
                "A model job is running and exports what it needs: wait for it, or cancel it", 5000)
            return
        self.autosaver.flush()
        dialog = ExportDialog(self.state.project, self.state.annotator, self.autosaver.flush,
                              self.parent_widget)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: setattr(self, "export_dialog", None))
        dialog.sigExported.connect(lambda r: self.report(r.summary(), 10_000))
        self.export_dialog = dialog
        dialog.open()

    def fill_recent_menu(self) -> None:
        menu = self.actions.recent_menu
        menu.clear()
        recent = self.prefs.recent_projects()
        for folder in recent:
            action = menu.addAction(f"{folder.name}  —  {folder.parent}")
            action.setEnabled(reachable(folder))
            action.triggered.connect(lambda _=False, f=folder: self.open_project_path(f))
        if recent:
            menu.addSeparator()
            menu.addAction("Clear list", self.clear_recent)
        else:
            menu.addAction("No recent projects").setEnabled(False)

    def clear_recent(self) -> None:
        self.prefs.clear_recent()
        self.start_page.set_recent([])

    def drop(self, paths: list[Path]) -> None:
        """Files or folders dropped on the window: a project opens, videos are added (a
        folder's videos, by name)."""
        if len(paths) == 1 and is_project(paths[0]):
            self.open_project_path(paths[0])
            return
        files: list[Path] = []
        for p in paths:
            if p.is_dir():
                files += sorted(f for f in p.iterdir() if f.suffix.lower() in VIDEO_SUFFIXES)
            else:
                files.append(p)
        if files:
            self.add_video_files(files)


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
