"""The main window: trailers on the left, the player over the genre chips and the timeline.

Structure (``QStackedWidget`` pages):

* start page   New / Open / Demo and recent projects (no project open)
* busy page    a progress bar with Cancel (the demo being made)
* editor page  ``QSplitter``: VideoList | (Player / GenreBar / Timeline)

The window is layout and window state (geometry, title, the page shown). What is open lives in
the evented :class:`~.workspace.WorkspaceState` (``window.state``): the ``Project``, the current
trailer and its ``LabelEditor``, the frame, the annotator, the shown run; views and controllers
subscribe to its signals (``_subscribe``: the window's own parts first, then the helpers that
``wiring.attach_tools`` builds, each handed only what it uses). The controllers own their
actions and the work behind them: ``ProjectController`` (``files``: projects, trailers, the
File menu; the window is its ``ProjectShell``), ``LabelsController`` (``labels``),
``PlaybackController`` (``transport``), ``ModelController``, ``PlaybackExtras``, ``ShotTools``,
``Relinker``. The ``Autosaver`` writes the editor to the store about a second after each
change. See docs/architecture.md.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from ..core.editing import LabelEditor
from ..core.store import Project, Video
from ..workers import tasks
from .actions import DEFAULT_KEYS, Actions, keyboard_map_html
from .labels.autosave import Autosaver
from .labels.labels_controller import LabelsController
from .labels.live_coding import LiveCoder
from .messages import show_error, show_message
from .playback.playback_controller import PlaybackController
from .playback.player import Player
from .prefs import Prefs
from .project.project_controller import APP_TITLE, ProjectController
from .project.start_page import BusyPage, StartPage
from .project.video_list import TrailerRow, VideoList
from .timeline.genre_bar import GenreBar
from .timeline.timeline import Timeline
from .wiring import attach_tools
from .workspace import WorkspaceState

TIMELINE_FIRST_HEIGHT = 330  # px given to the timeline on first run (then the user's split)


class MainWindow(QtWidgets.QMainWindow):
    def __init__(self, project_path: str | Path | None = None, prefs: Prefs | None = None):
        super().__init__()
        self.setObjectName("mainWindow")
        self.prefs = prefs or Prefs()
        self.state = WorkspaceState(self)
        self._first_show_done = False

        self.autosaver = Autosaver(parent=self)
        self.autosaver.sigModifiedChanged.connect(self.setWindowModified)
        self.autosaver.sigSaved.connect(self._on_saved)
        self.autosaver.sigError.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        self.autosaver.sigWaitingChanged.connect(lambda _: self._update_saved_label())

        self.live = LiveCoder()
        self.live.lag_ms = self.prefs.reaction_lag_ms

        self._build_pages()
        self._build_status_bar()
        report = self.statusBar().showMessage
        self.labels = LabelsController(self.state, self.timeline, self.genre_bar, self.player,
                                       self.live, self.current_frame,
                                       lambda lo, hi: self.shot_tools.snap_fill(lo, hi), report, self)
        self.key_filter = self.labels.key_filter
        self.key_filter.attach(QtWidgets.QApplication.instance())
        self.transport = PlaybackController(self.state, self.player, self.timeline,
                                            self.video_list.ids, lambda i: self.files.select_video(i),
                                            report, self)
        self.files = ProjectController(self, self.state, self.prefs, self.autosaver, self.player,
                                       self.video_list, self.start_page, self.busy_page,
                                       self.task_progress, self.labels.release_held_keys, report, self)
        self.actions = Actions(self, self.prefs)
        self.files.bind_actions(self.actions)
        self.labels.bind_actions(self.actions)
        self.transport.bind_actions(self.actions)
        self.actions.bind({"quit": self.close,
                           "preferences": self.preferences, "show_keys": self.show_keys,
                           "about": self.about})
        self._subscribe()  # the window's own parts hear a change first ...
        attach_tools(self)  # ... then backups, model, sound, cuts, other writers, proxies
        self.actions.check_bound()  # every action has its controller's callback
        self.setAcceptDrops(True)
        self.setWindowIcon(QtWidgets.QApplication.windowIcon())
        self._restore_window()
        self.refresh()

        if project_path is not None:
            self.files.open_project_path(project_path)

    # ==== building =========================================================================
    def _subscribe(self) -> None:
        """What the window's own parts hear (Qt calls them in this order, before the helpers)."""
        st = self.state
        st.sigProjectChanged.connect(self._on_project_changed)
        st.sigVideoChanged.connect(self._on_video_changed)  # the views of the labels first
        st.sigVideoChanged.connect(self._show_in_player)  # then sound, filmstrip, cuts (wiring)
        st.sigFrameChanged.connect(self.timeline.set_frame)
        st.sigFrameChanged.connect(self.genre_bar.set_frame)
        st.sigAnnotatorChanged.connect(self._update_annotator)

    def _build_pages(self) -> None:
        self.start_page = StartPage()
        self.start_page.set_recent(self.prefs.recent_projects())
        self.busy_page = BusyPage()

        self.video_list = VideoList()
        self.player = Player()
        self.player.view.setFocusPolicy(Qt.ClickFocus)  # a click on the picture takes the keys back
        self.player.sigFrameChanged.connect(self.state.set_frame)  # the one place frames move
        self.player.sigError.connect(lambda text: show_error(self, "Video error", text))
        self.genre_bar = GenreBar()
        self.timeline = Timeline()
        self.timeline.setMinimumHeight(150)
        self.timeline.sigSeek.connect(self.player.seek)

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

    def _on_project_changed(self, project: Project | None) -> None:
        """The window's own parts: genre keys and menu, the trailer list, the page shown."""
        self.key_filter.set_keys([g.key for g in self.state.genres])
        self._fill_genre_menu()
        self.start_page.set_recent(self.prefs.recent_projects())
        if project is None:
            self.video_list.set_rows([], [])
            self.pages.setCurrentWidget(self.start_page)
        else:
            self.files.refresh_list(self.files.take_videos_at_open())
            self.pages.setCurrentWidget(self.editor_page)
        self._update_annotator()

    # ==== trailers =========================================================================
    def _on_video_changed(self, video: Video | None) -> None:
        """The views of the labels show the current editor (or nothing)."""
        editor, genres = self.state.editor, self.state.genres
        if video is None:
            self.live.set_editor(None)
            self.timeline.set_labels(None, [], 25.0)
            self.genre_bar.set_editor(None, [])
            return
        self.live.set_editor(editor, video.fps)
        self.timeline.set_labels(editor, genres, video.fps)
        self.genre_bar.set_editor(editor, genres)

    def _show_in_player(self, video: Video | None) -> None:
        if video is None:
            self.player.close_video()
        else:
            self.player.open(str(video.path), video.frames, video.fps,
                             proxy=self.proxies.proxy_for(video))

    def current_frame(self) -> int:
        """The frame on screen: what keys, I/O and clicks act on (#14: never one not yet seen)."""
        if self.state.video is None:
            return 0
        shown = self.player.shown_frame()
        return shown if shown >= 0 else self.player.frame()

    def show_page(self, name: str) -> None:  # ProjectShell
        self.pages.setCurrentWidget({"start": self.start_page, "busy": self.busy_page,
                                     "editor": self.editor_page}[name])

    def model_busy(self) -> bool:  # ProjectShell
        return self.model_ctl.busy()

    def _on_player_error(self, text: str) -> None:
        show_error(self, "Video error", text)

    def _on_saved(self, video_id: int) -> None:
        v, ed = self.state.video, self.editor
        if v is not None and ed is not None and v.id == video_id:
            self.video_list.update_row(TrailerRow.from_labels(v, ed.array))  # then the model's note
        self._update_saved_label()

    def preferences(self) -> None:
        from .dialogs.preferences import PreferencesDialog

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
        self.files.switch_annotator(self.files.annotator_for(self.project))

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

    def _fill_genre_menu(self) -> None:
        menu = self.actions.genre_menu
        menu.clear()
        for i, g in enumerate(self.state.genres):
            # "\t<key>" shows the key in the menu without making it a shortcut: genre keys
            # need press and release (live coding) and go through the key filter.
            pix = QtGui.QPixmap(12, 12)
            pix.fill(QtGui.QColor(g.color))
            action = menu.addAction(QtGui.QIcon(pix), f"Toggle {g.name}\t{g.key}")
            action.triggered.connect(lambda _=False, i=i: self.labels.toggle_genre(i))
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
        self.files.drop(paths)

    # ==== window state =====================================================================
    def refresh(self) -> None:
        """Title, saved label and which actions are enabled, after what is open changed."""
        self._update_title()
        self._update_actions()

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

    def _update_annotator(self, *_) -> None:
        name = self.state.annotator if self.project else (self.prefs.annotator or "")
        self.annotator_button.setText(f"Annotator: {name}" if name else "Annotator: (project's)")

    def _update_actions(self) -> None:
        a = self.actions
        has_project = self.project is not None
        has_video = self.editor is not None
        for act in (a.add_videos, a.close_project):
            act.setEnabled(has_project)
        a.add_videos.setEnabled(has_project and not self.project.read_only)
        a.export_dataset.setEnabled(has_project and bool(self.video_list.ids()))
        self.transport.update_actions(has_project)
        self.labels.update_actions()
        if a.genre_menu is not None:
            for act in a.genre_menu.actions():
                if self.state.genres:
                    act.setEnabled(has_video)
        self.annotator_tools.update_actions()
        self.relinker.update_actions()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._first_show_done:
            self._first_show_done = True
            QtCore.QTimer.singleShot(0, self._after_first_show)

    def _after_first_show(self) -> None:
        """Hook for ``app.main`` (start-up timing); nothing to do by default."""

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802
        self.labels.release_held_keys()
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
        self.files.leave_video()  # remembers trailer and frame, saves labels
        self.recovery.closing()  # a last backup if labels were saved since the last one
        if self.files.export_dialog is not None and self.files.export_dialog.running():
            self.files.export_dialog.task.cancel()
        self.model_ctl.shutdown()  # training stops within a batch; its thread is waited for
        self.writers.shutdown()
        tasks.shutdown()
        self.playback.shutdown()
        self.player.shutdown()
        if self.project is not None:
            self.project.close()
        self.prefs.sync()
        self.key_filter.detach()
        super().closeEvent(event)
