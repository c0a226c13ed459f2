"""The main window: trailers on the left, the player over the genre chips and the timeline.

Structure (``QStackedWidget`` pages):

* start page   New / Open / Demo and recent projects (no project open)
* busy page    a progress bar with Cancel (the demo being made)
* editor page  ``QSplitter``: VideoList | (Player / GenreBar / Timeline)

The truth lives in core objects held by :class:`AppState`: the open ``Project`` and the current
trailer's ``LabelEditor``. Views listen to the editor; the ``Autosaver`` writes it to the store
about a second after each change. Long work (making the demo, adding videos, export) runs in
``workers.tasks.Task`` threads.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from ..core.editing import LabelEditor
from ..core.errors import DamagedProject, TrailerError, VideoChanged, VideoMissing
from ..core.genres import Genre
from ..core.relink import availability
from ..core.store import Project, Video, is_project
from ..workers import tasks
from ..services.project_jobs import AddResult, add_videos, make_demo_atomically
from ..workers.tasks import Task
from .actions import DEFAULT_KEYS, Actions, keyboard_map_html
from .annotators import AnnotatorTools
from .autosave import Autosaver
from .genre_bar import GenreBar
from .live_coding import GenreKeyFilter, LiveCoder
from .model_controller import ModelActions, ModelController
from .messages import show_error, show_message
from .playback_extras import PlaybackActions, PlaybackExtras
from .several_writers import SeveralWriters
from .shots_ui import ShotActions, ShotTools
from .player import Player
from .prefs import Prefs, reachable
from .proxy_controller import ProxyController
from .recovery import Recovery
from .relink_ui import RelinkActions, Relinker
from .start_page import BusyPage, StartPage
from .timeline import Timeline
from .video_list import TrailerRow, VideoList

APP_TITLE = "trailer-gui"
VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".mkv", ".avi", ".webm", ".mpg", ".mpeg", ".wmv", ".ts"}
SPEEDS = (0.25, 0.5, 1.0, 1.5, 2.0, 4.0)
UI_STATE_DELAY_MS = 1500


def demo_folder() -> Path:
    base = QtCore.QStandardPaths.writableLocation(QtCore.QStandardPaths.AppDataLocation)
    return Path(base or Path.home() / ".local" / "share" / APP_TITLE) / "demo"


@dataclass
class AppState:
    """What is open. Labels live in ``editor`` (the truth) and the store (saved)."""

    project: Project | None = None
    genres: list[Genre] = field(default_factory=list)  # the project's, in column order
    annotator: str = ""  # whose labels are edited
    video: Video | None = None
    editor: LabelEditor | None = None


TIMELINE_FIRST_HEIGHT = 330  # px given to the timeline on first run (then the user's split)


class MainWindow(ModelActions, PlaybackActions, ShotActions, RelinkActions, QtWidgets.QMainWindow):
    def __init__(self, project_path: str | Path | None = None, prefs: Prefs | None = None):
        super().__init__()
        self.setObjectName("mainWindow")
        self.prefs = prefs or Prefs()
        self.state = AppState()
        self._add_task: Task | None = None
        self._demo_task: Task | None = None
        self.export_dialog = None
        self._first_show_done = False

        self.autosaver = Autosaver(parent=self)
        self.autosaver.sigModifiedChanged.connect(self.setWindowModified)
        self.autosaver.sigSaved.connect(self._on_saved)
        self.autosaver.sigError.connect(lambda text: self.statusBar().showMessage(text, 10_000))

        self.live = LiveCoder()
        self.live.lag_ms = self.prefs.reaction_lag_ms
        self.key_filter = GenreKeyFilter(self, self._genre_pressed, self._genre_released,
                                         self.live.suspend, self._release_held_keys)
        QtWidgets.QApplication.instance().installEventFilter(self.key_filter)

        self._ui_state_timer = QtCore.QTimer(self, singleShot=True, interval=UI_STATE_DELAY_MS)
        self._ui_state_timer.timeout.connect(self._save_ui_state)

        self._build_pages()
        self.actions = Actions(self, self.prefs)
        self.actions.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._build_status_bar()
        self.recovery = Recovery(self)  # backups, damaged-project dialog, read-only (#10)
        self.autosaver.sigSaved.connect(self.recovery.labels_saved)
        self.annotator_tools = AnnotatorTools(self)  # switch, compare (ghost strips), agreement
        self.model_ctl = ModelController(self)  # Model dock, prediction overlay, model jobs (#5)
        self.playback = PlaybackExtras(self)  # sound in sync, filmstrip, playback stats (#6)
        self.shot_tools = ShotTools(self)  # cut markers, Snap to shots (#6)
        self.writers = SeveralWriters(self)  # other programs' label changes, other windows (#10)
        self.relinker = Relinker(self)  # Locate… a trailer whose file moved or changed (#10)
        self.proxies = ProxyController(self)  # scrubbing proxies made in the background (#14)
        self.setAcceptDrops(True)
        self.setWindowIcon(QtWidgets.QApplication.windowIcon())
        self._restore_window()
        self._update_title()
        self._update_actions()

        if project_path is not None:
            self.open_project_path(project_path)

    # ==== building =========================================================================
    def _build_pages(self) -> None:
        self.start_page = StartPage()
        self.start_page.sigNew.connect(self.new_project)
        self.start_page.sigOpen.connect(self.open_project)
        self.start_page.sigDemo.connect(self.open_demo)
        self.start_page.sigOpenPath.connect(self.open_project_path)
        self.start_page.set_recent(self.prefs.recent_projects())
        self.busy_page = BusyPage()
        self.busy_page.sigCancel.connect(self._cancel_demo)

        self.video_list = VideoList()
        self.video_list.sigVideoSelected.connect(self.select_video)
        self.player = Player()
        self.player.view.setFocusPolicy(Qt.ClickFocus)  # a click on the picture takes the keys back
        self.player.sigFrameChanged.connect(self._on_player_frame)
        self.player.sigPlayingChanged.connect(self._on_playing_changed)
        self.player.sigError.connect(self._on_player_error)
        self.genre_bar = GenreBar()
        self.genre_bar.sigToggle.connect(self.toggle_genre)
        self.timeline = Timeline()
        self.timeline.setMinimumHeight(150)
        self.timeline.sigSeek.connect(self.player.seek)
        self.timeline.sigGestureFinished.connect(self._on_gesture_finished)

        right = QtWidgets.QWidget()
        rl = QtWidgets.QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.setSpacing(4)
        rl.addWidget(self.player, 1)
        rl.addWidget(self.genre_bar)
        self.right_splitter = QtWidgets.QSplitter(Qt.Vertical)
        self.right_splitter.setObjectName("rightSplitter")
        self.right_splitter.addWidget(right)
        self.right_splitter.addWidget(self.timeline)
        self.right_splitter.setStretchFactor(0, 4)
        self.right_splitter.setStretchFactor(1, 1)
        self.right_splitter.setChildrenCollapsible(False)

        self.splitter = QtWidgets.QSplitter(Qt.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.video_list)
        self.splitter.addWidget(self.right_splitter)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([260, 1000])
        self.splitter.setChildrenCollapsible(False)
        self.video_list.setMinimumWidth(180)

        self.editor_page = QtWidgets.QWidget()
        el = QtWidgets.QVBoxLayout(self.editor_page)
        el.setContentsMargins(6, 6, 6, 0)
        el.addWidget(self.splitter)

        self.pages = QtWidgets.QStackedWidget()
        for page in (self.start_page, self.busy_page, self.editor_page):
            self.pages.addWidget(page)
        self.setCentralWidget(self.pages)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.task_progress = QtWidgets.QProgressBar()
        self.task_progress.setMaximumWidth(180)
        self.task_progress.setVisible(False)
        self.annotator_button = QtWidgets.QToolButton()
        self.annotator_button.setObjectName("annotatorButton")
        self.annotator_button.setAutoRaise(True)
        self.annotator_button.setFocusPolicy(Qt.NoFocus)
        self.annotator_button.setToolTip("Whose labels you are editing (Edit ▸ Preferences)")
        # its menu (switch annotator, Preferences) is set by AnnotatorTools
        self.saved_label = QtWidgets.QLabel("")
        self.saved_label.setObjectName("savedLabel")
        bar.addPermanentWidget(self.task_progress)
        bar.addPermanentWidget(self.saved_label)
        bar.addPermanentWidget(self.annotator_button)

    def _restore_window(self) -> None:
        geometry = self.prefs.window_bytes("geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            screen = QtGui.QGuiApplication.primaryScreen()
            avail = screen.availableGeometry() if screen else QtCore.QRect(0, 0, 1400, 900)
            self.resize(min(1400, int(avail.width() * 0.9)), min(900, int(avail.height() * 0.9)))
        for key, splitter in (("splitter", self.splitter), ("rightSplitter", self.right_splitter)):
            state = self.prefs.window_bytes(key)
            if state is not None:
                splitter.restoreState(state)
            elif splitter is self.right_splitter:
                # First run: the player's size hint would take nearly all the height and
                # leave ~18 px lanes; painting wants lanes of ~30 px (6 lanes, filmstrip, ruler).
                right = max(400, self.height() - 110)  # less menu, toolbar and status bar
                timeline = min(TIMELINE_FIRST_HEIGHT, right // 2)
                splitter.setSizes([right - timeline, timeline])
        state = self.prefs.window_bytes("state")
        if state is not None:
            self.restoreState(state)

    def _save_window(self) -> None:
        self.prefs.set_window_bytes("geometry", self.saveGeometry())
        self.prefs.set_window_bytes("state", self.saveState())
        self.prefs.set_window_bytes("splitter", self.splitter.saveState())
        self.prefs.set_window_bytes("rightSplitter", self.right_splitter.saveState())

    # ==== projects =========================================================================
    @property
    def project(self) -> Project | None:
        return self.state.project

    @property
    def editor(self) -> LabelEditor | None:
        return self.state.editor

    def annotator_for(self, project: Project) -> str:
        return self.prefs.annotator or project.annotator

    def open_project_path(self, path: str | Path) -> bool:
        path = Path(path)
        if self.project is not None and self.project.folder == path.resolve():
            self.pages.setCurrentWidget(self.editor_page)
            return True
        try:
            project = Project.open(path)
            genres = project.genres()
            videos = project.videos()
        except DamagedProject as exc:  # a dialog with Restore / Open another project
            self.recovery.show_damaged(exc)
            self.start_page.set_recent(self.prefs.recent_projects())
            return False
        except (TrailerError, OSError, sqlite3.Error) as exc:
            show_error(self, "Cannot open project", f"{path}\n\n{exc}")
            self.start_page.set_recent(self.prefs.recent_projects())
            return False
        self.close_project()
        self.state = AppState(project=project, genres=genres, annotator=self.annotator_for(project))
        self.key_filter.set_keys([g.key for g in genres])
        self._fill_genre_menu()
        self.prefs.add_recent(project.folder)
        self.start_page.set_recent(self.prefs.recent_projects())
        self._refresh_list(videos)
        self.pages.setCurrentWidget(self.editor_page)
        self.recovery.opened()  # a backup, or the read-only banner
        self._update_annotator()

        last_id = _int(project.setting("ui.video"))
        ids = [v.id for v in videos]
        if ids:
            vid = last_id if last_id in ids else ids[0]
            frame = _int(project.setting("ui.frame")) if vid == last_id else 0
            self.select_video(vid, frame or 0)
        self._update_title()
        self._update_actions()
        self.model_ctl.project_changed()
        self.writers.project_changed()
        self.proxies.project_opened()
        self.player.view.setFocus()  # arrow keys step frames at once, not the trailer list
        return True

    def close_project(self) -> bool:
        if self.project is None:
            return True
        self.proxies.project_closed()
        self._leave_video()
        self.recovery.closing()
        self.state.project.close()
        self.state = AppState()
        self.key_filter.set_keys([])
        self.video_list.set_rows([], [])
        self.pages.setCurrentWidget(self.start_page)
        self.start_page.set_recent(self.prefs.recent_projects())
        self._update_annotator()
        self._update_title()
        self._update_actions()
        self.model_ctl.project_changed()
        self.writers.project_changed()
        return True

    def _refresh_list(self, videos: list[Video] | None = None) -> None:
        p = self.project
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

    # ==== trailers =========================================================================
    def select_video(self, video_id: int, frame: int = 0) -> bool:
        p = self.project
        if p is None:
            return False
        if self.state.video is not None and self.state.video.id == video_id:
            return True
        self._leave_video()
        try:
            video = p.video(video_id)
            p.check_video(video)
        except (VideoMissing, VideoChanged) as exc:
            # Never under the old timeline: a replaced file may have other frames. Offer to
            # locate it (or to check and use the changed file).
            self.relinker.offer(video, exc)
            self.video_list.set_current(video_id)
            self._update_title()
            self._update_actions()
            return False
        except (TrailerError, OSError) as exc:
            name = getattr(exc, "path", None)
            show_error(self, "Cannot open trailer",
                       f"{Path(name).name if name else video_id}: {getattr(exc, 'reason', exc)}\n\n{exc}")
            self.video_list.set_current(video_id)
            self._update_title()
            self._update_actions()
            return False
        annotator = self.state.annotator
        if p.read_only:
            # Edits are refused with a message; other programs' changes still show (pull).
            editor = self.recovery.prepare_editor(self.recovery.editor_class()(
                p.load_labels(video.id, annotator), [g.name for g in self.state.genres]))
            self.autosaver.attach(p, video.id, annotator, editor)
        else:
            # the stored labels, or this trailer's edits still waiting for a locked database
            editor = self.autosaver.open(p, video.id, annotator)
        editor.add_listener(self._on_labels_changed)
        self.state.video, self.state.editor = video, editor
        self.live.set_editor(editor, video.fps)
        self.timeline.set_labels(editor, self.state.genres, video.fps)
        self.genre_bar.set_editor(editor, self.state.genres)
        frame = min(max(0, int(frame)), video.frames - 1)
        self.player.open(str(video.path), video.frames, video.fps,
                         proxy=self.proxies.proxy_for(video))
        self.playback.video_opened(video)
        self.shot_tools.video_opened(video)
        if frame:
            self.player.seek(frame)
        self.timeline.set_frame(frame)
        self.genre_bar.set_frame(frame)
        self.video_list.set_current(video.id)
        self._save_ui_state()
        self._update_title()
        self._update_actions()
        return True

    def _leave_video(self) -> None:
        """Save everything about the current trailer and let go of it."""
        if self.state.video is None:
            return
        self._release_held_keys()
        self._save_ui_state()
        self.autosaver.detach()
        self.player.pause()
        self.player.close_video()
        self.playback.video_closed()
        self.shot_tools.video_closed()
        self.state.editor.remove_listener(self._on_labels_changed)
        self.live.set_editor(None)
        self.timeline.set_labels(None, [], 25.0)
        self.genre_bar.set_editor(None, [])
        self.state.video = self.state.editor = None

    def _save_ui_state(self) -> None:
        self._ui_state_timer.stop()
        p, v = self.project, self.state.video
        if p is None or v is None or p.read_only:
            return
        try:
            with p.busy_timeout(self.autosaver.lock_timeout_s):  # never wait on another program
                p.set_setting("ui.video", str(v.id))
                p.set_setting("ui.frame", str(self.current_frame()))
        except Exception as exc:  # a locked database: not worth a dialog, the labels are saved

            self.statusBar().showMessage(f"Could not remember the position: {exc}", 5000)

    def current_frame(self) -> int:
        """The frame on screen: what keys, I/O and clicks act on (#14: never one not yet seen)."""
        if self.state.video is None:
            return 0
        shown = self.player.shown_frame()
        return shown if shown >= 0 else self.player.frame()

    # ==== player <-> timeline ==============================================================
    def _on_player_frame(self, frame: int) -> None:
        self.timeline.set_frame(frame)
        self.genre_bar.set_frame(frame)
        if self.live.holding:
            self.live.passed(frame, self.player.is_playing())
        if not self.player.is_playing():
            self._ui_state_timer.start()

    def _on_playing_changed(self, playing: bool) -> None:
        self.actions.toggle_play.setText("&Pause" if playing else "&Play")
        if not playing:
            self._ui_state_timer.start()

    def _on_player_error(self, text: str) -> None:
        show_error(self, "Video error", text)

    # ==== labels ===========================================================================
    def _genre_pressed(self, genre: int) -> bool:
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

    def _genre_released(self, genre: int) -> bool:
        if genre not in self.live.held_genres():
            return self.editor is not None
        step = self.live.release(genre)
        self.genre_bar.set_held(set(self.live.held_genres()))
        if step is not None:
            self.statusBar().showMessage(step.name, 3000)
        self._update_actions()
        return True

    def _release_held_keys(self) -> None:
        self.key_filter.flush()
        if self.live.holding:
            self.live.release_all()
            self.genre_bar.set_held(set())
            self._update_actions()

    def toggle_genre(self, genre: int) -> None:
        """Toggle a genre on the current frame (or fill the range), e.g. from a chip click."""
        if self.editor is None:
            return
        if self.timeline.selection() is not None:
            self.fill_selection(genre)
        else:
            self.editor.toggle(genre, self.current_frame())
        self._update_actions()

    def fill_selection(self, genre: int) -> None:
        """Paint the genre over the range; if the whole range has it already, erase it."""
        ed, sel = self.editor, self.timeline.selection()
        if ed is None or sel is None:
            return
        lo, hi = self.shot_tools.snap_fill(*sel)  # to nearby cuts, when Snap to shots is on
        if (lo, hi) != sel:
            self.timeline.set_selection(lo, hi)
        on = not bool(ed.array[lo:hi, genre].all())
        ed.paint(genre, lo, hi, on)
        self._update_actions()
        if ed.undo_name:
            self.statusBar().showMessage(ed.undo_name, 3000)

    def set_in(self) -> None:
        if self.editor is None:
            return
        f, sel = self.current_frame(), self.timeline.selection()
        self.timeline.set_selection(f, sel[1] if sel and f < sel[1] else f + 1)
        self._update_actions()

    def set_out(self) -> None:
        if self.editor is None:
            return
        f, sel = self.current_frame(), self.timeline.selection()
        self.timeline.set_selection(sel[0] if sel and f >= sel[0] else f, f + 1)
        self._update_actions()

    def clear_selection(self) -> None:
        self.timeline.set_selection(None, None)
        self._update_actions()

    def delete_labels(self) -> None:
        ed = self.editor
        if ed is None:
            return
        sel = self.timeline.selection()
        lo, hi = sel if sel else (self.current_frame(), self.current_frame() + 1)
        if ed.clear(lo, hi):
            self.statusBar().showMessage(ed.undo_name or "", 3000)
        self._update_actions()

    def undo(self) -> None:
        if self.editor is None:
            return
        self._release_held_keys()
        step = self.editor.undo()
        if step is not None:
            self.statusBar().showMessage(f"Undid {step.name}", 3000)
        self._update_actions()

    def redo(self) -> None:
        if self.editor is None:
            return
        self._release_held_keys()
        step = self.editor.redo()
        if step is not None:
            self.statusBar().showMessage(f"Redid {step.name}", 3000)
        self._update_actions()

    def _on_labels_changed(self, start: int, stop: int) -> None:
        self._update_undo_actions()

    def _on_gesture_finished(self, name: str) -> None:
        self.statusBar().showMessage(name, 3000)
        self._update_undo_actions()

    def _on_saved(self, video_id: int) -> None:
        v, ed = self.state.video, self.editor
        if v is not None and ed is not None and v.id == video_id:
            self.video_list.update_row(TrailerRow.from_labels(v, ed.array))
            self.model_ctl.refresh_note(video_id)
        self._update_saved_label()

    # ==== playback actions =================================================================
    def _has_video(self) -> bool:
        return self.state.video is not None

    def toggle_play(self) -> None:
        if self._has_video():
            self.player.toggle_play()

    def step_back(self) -> None:
        if self._has_video():
            self.player.step(-1)

    def step_forward(self) -> None:
        if self._has_video():
            self.player.step(1)

    def back_ten(self) -> None:
        if self._has_video():
            self.player.step(-10)

    def forward_ten(self) -> None:
        if self._has_video():
            self.player.step(10)

    def go_start(self) -> None:
        if self._has_video():
            self.player.seek(0)

    def go_end(self) -> None:
        if self._has_video():
            self.player.seek(self.state.video.frames - 1)

    def _change_speed(self, direction: int) -> None:
        if not self._has_video():
            return
        now = self.player.speed()
        if direction == 0:
            new = 1.0
        elif direction > 0:
            new = next((s for s in SPEEDS if s > now + 1e-6), SPEEDS[-1])
        else:
            new = next((s for s in reversed(SPEEDS) if s < now - 1e-6), SPEEDS[0])
        self.player.set_speed(new)
        self.statusBar().showMessage(f"Speed {new:g}×", 2000)

    def slower(self) -> None:
        self._change_speed(-1)

    def faster(self) -> None:
        self._change_speed(+1)

    def normal_speed(self) -> None:
        self._change_speed(0)

    def _step_video(self, delta: int) -> None:
        ids = self.video_list.ids()
        if not ids:
            return
        cur = self.state.video.id if self.state.video else None
        i = ids.index(cur) + delta if cur in ids else 0
        if 0 <= i < len(ids):
            self.select_video(ids[i])

    def previous_video(self) -> None:
        self._step_video(-1)

    def next_video(self) -> None:
        self._step_video(+1)

    def zoom_all(self) -> None:
        self.timeline.zoom_all()

    def zoom_selection(self) -> None:
        sel = self.timeline.selection()
        if sel:
            pad = max(2, (sel[1] - sel[0]) // 10)
            self.timeline.zoom_to(max(0, sel[0] - pad), sel[1] + pad)

    # ==== file actions =====================================================================
    def new_project(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(
            self, "New project: choose an empty folder (or make one)", str(Path.home()))
        if not folder:
            return
        self.create_project(folder)

    def create_project(self, folder: str | Path) -> bool:
        try:
            Project.create(folder).close()
        except (TrailerError, OSError) as exc:
            show_error(self, "Cannot create project", str(exc))
            return False
        return self.open_project_path(folder)

    def open_project(self) -> None:
        start = str(self.project.folder.parent) if self.project else str(Path.home())
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, "Open project folder", start)
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
        self.pages.setCurrentWidget(self.busy_page)
        task = Task(make_demo_atomically, folder, trailers, seconds, sound, name="demo")
        task.sigProgress.connect(self.busy_page.update_progress)
        task.sigFinished.connect(lambda path: self.open_project_path(path))
        task.sigErrored.connect(lambda exc: self._demo_failed(exc, task))
        task.sigCancelled.connect(lambda: self.pages.setCurrentWidget(self.start_page))
        task.sigDone.connect(lambda: setattr(self, "_demo_task", None))
        self._demo_task = task.start()
        return task

    def _cancel_demo(self) -> None:
        if self._demo_task is not None:
            self._demo_task.cancel()
            self.busy_page.cancel_button.setEnabled(False)
            self.busy_page.status.setText("Cancelling…")

    def _demo_failed(self, exc: BaseException, task: Task) -> None:
        self.pages.setCurrentWidget(self.start_page)
        details = None if isinstance(exc, TrailerError) else task.traceback
        show_error(self, "Cannot make the demo", str(exc), details)

    def add_videos(self) -> None:
        if self.project is None:
            show_message(self, "Add videos", "Open or create a project first.",
                         icon=QtWidgets.QMessageBox.Information)
            return
        exts = " ".join(f"*{s}" for s in sorted(VIDEO_SUFFIXES))
        files, _ = QtWidgets.QFileDialog.getOpenFileNames(
            self, "Add videos", str(self.project.folder / "videos"), f"Videos ({exts});;All files (*)")
        if files:
            self.add_video_files(files)

    def add_video_files(self, paths: list[str | Path]) -> Task | None:
        """Probe and add files in a worker; refused ones are reported by name and reason."""
        if self.project is None:
            show_message(self, "Add videos", "Open or create a project first.",
                         icon=QtWidgets.QMessageBox.Information)
            return None
        if self._add_task is not None:
            self.statusBar().showMessage("Still adding the previous videos…", 3000)
            return None
        task = Task(add_videos, self.project.folder, [str(p) for p in paths], name="add videos")
        self.task_progress.setRange(0, 0)
        self.task_progress.setVisible(True)
        task.sigProgress.connect(self._on_task_progress)
        task.sigFinished.connect(self._on_videos_added)
        task.sigErrored.connect(lambda exc: show_error(self, "Adding videos failed", str(exc)))
        task.sigDone.connect(self._on_add_done)
        self._add_task = task.start()
        self.statusBar().showMessage(f"Adding {len(paths)} file(s)…")
        return task

    def _on_task_progress(self, done: int, total: int, stage: str) -> None:
        self.task_progress.setRange(0, max(1, total))
        self.task_progress.setValue(done)
        self.statusBar().showMessage(stage)

    def _on_add_done(self) -> None:
        self._add_task = None
        self.task_progress.setVisible(False)

    def _on_videos_added(self, result: AddResult) -> None:
        self._refresh_list()
        self.model_ctl.refresh_notes()  # the rows were remade
        n = len(result.added)
        self.statusBar().showMessage(f"Added {n} trailer{'s' * (n != 1)}", 5000)
        self.proxies.ensure()  # a proxy that could not be made while adding
        if result.added and self.state.video is None:
            self.select_video(result.added[0])
        if result.refused:
            lines = [f"{Path(p).name}: {reason}" for p, reason in result.refused]
            head = (f"{len(result.refused)} file(s) not added"
                    + (f" ({n} added)." if n else "."))
            show_error(self, "Some files were not added", head + "\n\n" + "\n".join(lines),
                       "\n".join(f"{p}: {reason}" for p, reason in result.refused))
        self._update_actions()

    def export_dataset(self) -> None:
        if self.project is None:
            return
        from .export_dialog import ExportDialog

        if self.export_dialog is not None and self.export_dialog.running():
            self.export_dialog.show()
            self.export_dialog.raise_()
            return
        if self.model_ctl.busy():
            # A model job exports what it needs itself; two writers of one dataset would race.
            self.statusBar().showMessage(
                "A model job is running and exports what it needs: wait for it, or cancel it", 5000)
            return
        self.autosaver.flush()
        dialog = ExportDialog(self.project, self.state.annotator, self.autosaver.flush, self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: setattr(self, "export_dialog", None))
        dialog.sigExported.connect(lambda r: self.statusBar().showMessage(r.summary(), 10_000))
        self.export_dialog = dialog
        dialog.open()

    def preferences(self) -> None:
        from .preferences import PreferencesDialog

        dialog = PreferencesDialog(
            self.prefs, self.project.annotator if self.project else None,
            self.actions.shortcut_actions(), DEFAULT_KEYS, self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.accepted.connect(self._preferences_changed)
        self.preferences_dialog = dialog
        dialog.open()

    def _preferences_changed(self) -> None:
        self.live.lag_ms = self.prefs.reaction_lag_ms
        if self.project is None:
            self._update_annotator()
            return
        dialog = getattr(self, "preferences_dialog", None)
        if not getattr(dialog, "annotator_changed", True):
            return  # only the default's change moves away from an annotator switched to
        self.switch_annotator(self.annotator_for(self.project))

    def switch_annotator(self, annotator: str) -> bool:
        """Edit ``annotator``'s labels from now on: the current ones are saved first, then the
        same trailer and frame open with that annotator's labels (a new editor and history)."""
        if self.project is None or not annotator or annotator == self.state.annotator:
            return False
        vid, frame = (self.state.video.id, self.current_frame()) if self.state.video else (None, 0)
        self._leave_video()  # saves under the old name
        self.state.annotator = annotator
        self._refresh_list()
        self.model_ctl.refresh_notes()  # the rows were remade, and the notes compare labels
        if vid is not None:
            self.select_video(vid, frame)
        self._update_annotator()
        self.statusBar().showMessage(f"Now labelling as {annotator}", 5000)
        return True

    def show_keys(self) -> None:
        genre_keys = [(g.key, g.name) for g in self.state.genres] or [(str(i + 1), f"genre {i + 1}") for i in range(6)]
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Information, "Keyboard shortcuts",
                                    keyboard_map_html(self.actions, genre_keys),
                                    QtWidgets.QMessageBox.Ok, self)
        box.setObjectName("message")
        box.setTextFormat(Qt.RichText)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()

    def about(self) -> None:
        show_message(self, "About trailer-gui",
                     "trailer-gui: label movie trailers frame by frame with genres, export a "
                     "dataset and train a ConvLSTM on it.", icon=QtWidgets.QMessageBox.Information)

    def quit(self) -> None:
        self.close()

    def _fill_recent_menu(self) -> None:
        menu = self.actions.recent_menu
        menu.clear()
        recent = self.prefs.recent_projects()
        for folder in recent:
            action = menu.addAction(f"{folder.name}  —  {folder.parent}")
            action.setEnabled(reachable(folder))
            action.triggered.connect(lambda _=False, f=folder: self.open_project_path(f))
        if recent:
            menu.addSeparator()
            menu.addAction("Clear list", self._clear_recent)
        else:
            menu.addAction("No recent projects").setEnabled(False)

    def _clear_recent(self) -> None:
        self.prefs.clear_recent()
        self.start_page.set_recent([])

    def _fill_genre_menu(self) -> None:
        menu = self.actions.genre_menu
        menu.clear()
        for i, g in enumerate(self.state.genres):
            # "\t<key>" shows the key in the menu without making it a shortcut: genre keys
            # need press and release (live coding) and go through the key filter.
            pix = QtGui.QPixmap(12, 12)
            pix.fill(QtGui.QColor(g.color))
            action = menu.addAction(QtGui.QIcon(pix), f"Toggle {g.name}\t{g.key}")
            action.triggered.connect(lambda _=False, i=i: self.toggle_genre(i))
        if not self.state.genres:
            menu.addAction("No project open").setEnabled(False)
        menu.addSeparator()
        menu.addAction(self.actions.snap_to_shots)
        self.annotator_tools.fill_labels_menu(menu)  # Annotator ▸, Agreement…

    # ==== drag and drop ====================================================================
    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:  # noqa: N802
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        self.dragEnterEvent(event)

    def dropEvent(self, event: QtGui.QDropEvent) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
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

    # ==== window state =====================================================================
    def _update_title(self) -> None:
        parts = []
        if self.state.video is not None:
            parts.append(self.state.video.name)
        if self.project is not None:
            parts.append(self.project.folder.name + (" (read-only)" if self.project.read_only else ""))
        self.setWindowTitle(" — ".join(parts + [APP_TITLE]) + "[*]")
        self.setWindowModified(self.autosaver.modified)
        self._update_saved_label()

    def setWindowModified(self, modified: bool) -> None:  # noqa: N802
        super().setWindowModified(modified)
        self._update_saved_label()

    def _update_saved_label(self) -> None:
        if self.editor is None:
            self.saved_label.setText("")
        elif self.project is not None and self.project.read_only:
            self.saved_label.setText("read-only")
        elif self.autosaver.waiting:
            self.saved_label.setText("● waiting for another program")
        elif self.autosaver.modified:
            self.saved_label.setText("● saving…")
        else:
            self.saved_label.setText("✓ saved")

    def _update_annotator(self) -> None:
        name = self.state.annotator if self.project else (self.prefs.annotator or "")
        self.annotator_button.setText(f"Annotator: {name}" if name else "Annotator: (project's)")

    def _update_undo_actions(self) -> None:
        ed = self.editor
        undo, redo = self.actions.undo, self.actions.redo
        undo.setEnabled(bool(ed and ed.can_undo))
        redo.setEnabled(bool(ed and ed.can_redo))
        undo.setText(f"&Undo {ed.undo_name}" if ed and ed.undo_name else "&Undo")
        redo.setText(f"&Redo {ed.redo_name}" if ed and ed.redo_name else "&Redo")

    def _update_actions(self) -> None:
        a = self.actions
        has_project = self.project is not None
        has_video = self.editor is not None
        has_sel = has_video and self.timeline.selection() is not None
        for act in (a.add_videos, a.close_project):
            act.setEnabled(has_project)
        a.add_videos.setEnabled(has_project and not self.project.read_only)
        a.export_dataset.setEnabled(has_project and bool(self.video_list.ids()))
        for act in (a.toggle_play, a.step_back, a.step_forward, a.back_ten, a.forward_ten,
                    a.go_start, a.go_end, a.set_in, a.set_out, a.delete_labels, a.zoom_all,
                    a.slower, a.faster, a.normal_speed):
            act.setEnabled(has_video)
        a.clear_selection.setEnabled(has_sel)
        a.zoom_selection.setEnabled(has_sel)
        a.previous_video.setEnabled(has_project)
        a.next_video.setEnabled(has_project)
        if a.genre_menu is not None:
            for act in a.genre_menu.actions():
                if self.state.genres:
                    act.setEnabled(has_video)
        self.annotator_tools.update_actions()
        self.relinker.update_actions()
        self._update_undo_actions()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._first_show_done:
            self._first_show_done = True
            QtCore.QTimer.singleShot(0, self._after_first_show)

    def _after_first_show(self) -> None:
        """Hook for ``app.main`` (start-up timing); nothing to do by default."""

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802
        self._release_held_keys()
        if not self.autosaver.flush():
            answer = QtWidgets.QMessageBox.question(
                self, "Labels not saved",
                "Another program is writing to the project, so the last label changes are "
                "not saved yet. Close anyway and lose them?" if self.autosaver.waiting else
                "The last label changes could not be saved. Close anyway and lose them?")
            if answer != QtWidgets.QMessageBox.Yes:
                event.ignore()
                return
        self._save_window()
        self._leave_video()  # remembers trailer and frame, saves labels
        self.recovery.closing()  # a last backup if labels were saved since the last one
        if self.export_dialog is not None and self.export_dialog.running():
            self.export_dialog.task.cancel()
        self.model_ctl.shutdown()  # training stops within a batch; its thread is waited for
        self.writers.shutdown()
        tasks.shutdown()
        self.playback.shutdown()
        self.player.shutdown()
        if self.project is not None:
            self.project.close()
        self.prefs.sync()
        QtWidgets.QApplication.instance().removeEventFilter(self.key_filter)
        super().closeEvent(event)


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
