"""Who is handed what: the window's helpers, each built with the narrow interface it needs.

``MainWindow`` builds its views and the controllers of the menus, subscribes its own parts to the
``WorkspaceState`` and then calls :func:`attach_tools`. This is the one place that knows the whole
window; the helpers get the state, a status reporter, a parent for their dialogs and the widgets
or callbacks they use, and they subscribe to the state's signals themselves. The order below is
the order in which they hear a change (Qt calls slots in the order they were connected): after
the window's views and the player, the backups, the model, then sound and filmstrip, cut
markers, other programs' writes and proxies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from .labels.annotators import AnnotatorTools
from .labels.shots_ui import ShotTools
from .model.model_controller import ModelController
from .playback.playback_extras import PlaybackExtras
from .playback.proxy_controller import ProxyController
from .project.recovery import Recovery
from .project.relink_ui import Relinker
from .project.several_writers import SeveralWriters

if TYPE_CHECKING:
    from .main_window import MainWindow


def attach_tools(w: MainWindow) -> None:
    st, report, bar = w.state, w.statusBar().showMessage, w.statusBar()
    files = w.files
    # backups, the damaged-project dialog, read-only projects (#10)
    w.recovery = Recovery(st, report, w, lambda: files.open_project(),  # looked up when asked
                          lambda path: files.open_project_path(path))
    w.editor_page.layout().insertWidget(0, w.recovery.banner)
    w.autosaver.sigSaved.connect(w.recovery.labels_saved)
    # switch annotator, compare (ghost strips), agreement (#6)
    w.annotator_tools = AnnotatorTools(st, w.timeline, w.actions, w.annotator_button, w.prefs,
                                       w.autosaver.flush, files.switch_annotator,
                                       w.preferences, report, w)
    # Model dock, prediction overlay, model jobs (#5)
    w.model_ctl = ModelController(st, w.actions, w.timeline, w.video_list, w.autosaver, bar,
                                  w.player.seek, w.current_frame, w.labels.release_held_keys,
                                  files.export_running, w)
    w.addDockWidget(Qt.RightDockWidgetArea, w.model_ctl.dock)
    w.addToolBar(Qt.TopToolBarArea, w.model_ctl.toolbar)
    st.sigProjectChanged.connect(lambda _: w.model_ctl.project_changed())
    files.sigRowsRemade.connect(w.model_ctl.refresh_notes)
    # sound in sync, filmstrip, playback statistics (#6); cut markers, Snap to shots (#6)
    w.playback = PlaybackExtras(st, w.player, w.timeline, w.actions, w.prefs,
                                lambda video: w.proxies.filmstrip_sources(video), report, w)
    w.shot_tools = ShotTools(st, w.timeline, w.actions, w.prefs, report, w)
    # other programs' label changes, other windows on the project (#10)
    w.writers = SeveralWriters(st, w.autosaver, w.video_list, report, w)
    w.writers.sigStoreChanged.connect(w.annotator_tools.store_changed)
    bar.addPermanentWidget(w.writers.others_label)
    # Locate… a trailer whose file moved or changed (#10)
    w.relinker = Relinker(st, w.video_list, w.actions, leave_video=files.leave_video,
                          refresh_list=files.refresh_list, select_video=files.select_video,
                          show_progress=files.show_progress, task_progress=w.task_progress,
                          report=report, parent=w)
    # scrubbing proxies made in the background (#14)
    w.proxies = ProxyController(st, w.player, report, w)
    bar.addPermanentWidget(w.proxies.progress_bar)
    files.sigVideosAdded.connect(lambda _: w.proxies.ensure())
