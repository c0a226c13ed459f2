"""Proxies in the window (issue #14): made in the background for the videos of an open project
that lack one (or whose proxy is stale or broken), one video at a time, with progress in the
status bar; the app stays fully usable meanwhile. When the current video's proxy is ready the
player starts using it at once. Adding a video makes its proxy in the same pass already
(``Project.add_video``); this only catches up on older projects, failures and stale ones.

``ProxyController`` follows ``WorkspaceState.sigProjectChanged`` (a project opened: queue what
it lacks; closed: stop) and is handed the player (a ready proxy of the current video goes to it
at once) and a status reporter; its ``progress_bar`` is placed in the status bar by the window.
Call ``ensure`` after adding videos.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

from ...core.store import Video
from ...workers.tasks import Task
from ..messages import Report


def _make_one(progress, folder: Path, video: Video) -> tuple[int, Path | None]:
    from ...core.proxy import make_proxy

    def step(done: int, total: int) -> None:
        progress.update(done, total, f"Making the scrubbing proxy of {video.name}")

    return video.id, make_proxy(folder, video, step)


class ProxyController(QtCore.QObject):
    """Owns the background proxy jobs of the open project."""

    sigProxyReady = QtCore.Signal(int, object)  # video id, proxy path

    def __init__(self, state, player, report: Report, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.state, self.player, self.report = state, player, report
        self._queue: list[Video] = []
        self._task: Task | None = None
        self._folder: Path | None = None
        self.made: list[int] = []  # ids whose proxy this controller made (tests, statistics)
        self.progress_bar = QtWidgets.QProgressBar()
        self.progress_bar.setObjectName("proxy_progress")
        self.progress_bar.setMaximumWidth(140)
        self.progress_bar.setFormat("proxy %p%")
        self.progress_bar.setVisible(False)
        state.sigProjectChanged.connect(lambda _: self.project_opened())  # or closed

    # ---------------------------------------------------------------- queries
    def proxy_for(self, video: Video) -> Path | None:
        """The usable proxy of ``video`` in the open project, or None."""
        from ...core.proxy import valid_proxy  # OpenCV: not at start-up

        project = self.state.project
        return valid_proxy(project.folder, video) if project is not None else None

    def filmstrip_sources(self, video: Video) -> dict:
        """``proxy`` and ``disk_cache`` for ``Filmstrip.set_video``: thumbnails from the proxy,
        kept in ``proxies/thumbs`` (so reopening shows the filmstrip at once)."""
        from ...core.thumbcache import ThumbCache

        project = self.state.project
        if project is None:
            return {}
        return {"proxy": self.proxy_for(video),
                "disk_cache": ThumbCache(project.folder, video.id, video.fingerprint)}

    def project_opened(self) -> None:
        """Queue every video of the project that needs a proxy (missing, stale, broken); no
        project: stop."""
        self.project_closed()
        project = self.state.project
        if project is None:
            return
        self._folder = project.folder
        self.ensure()

    def ensure(self) -> None:
        """Queue the videos that need a proxy and are not queued yet (e.g. after adding)."""
        from ...core.proxy import proxy_state

        project = self.state.project
        if project is None:
            return
        queued = {v.id for v in self._queue}
        running = getattr(self._task, "video_id", None)
        for video in project.videos():
            if video.id in queued or video.id == running or not video.path.is_file():
                continue
            if not proxy_state(project.folder, video).ok:
                self._queue.append(video)
        self._next()

    def project_closed(self) -> None:
        self._queue.clear()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()  # stops at the next progress report; its result is ignored
        self._folder = None
        self.progress_bar.setVisible(False)

    def busy(self) -> bool:
        return self._task is not None or bool(self._queue)

    # ---------------------------------------------------------------- jobs
    def _next(self) -> None:
        if self._task is not None or not self._queue or self._folder is None:
            if self._task is None:
                self.progress_bar.setVisible(False)
            return
        video = self._queue.pop(0)
        task = Task(_make_one, self._folder, video, name=f"proxy {video.id}")
        task.video_id = video.id
        task.sigProgress.connect(self._on_progress)
        task.sigFinished.connect(lambda result, t=task: self._on_made(t, result))
        task.sigErrored.connect(lambda exc, t=task: self._on_failed(t, exc))
        task.sigDone.connect(lambda t=task: self._on_done(t))
        self._task = task
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setVisible(True)
        task.start()

    def _on_progress(self, done: int, total: int, stage: str) -> None:
        if self.sender() is not self._task:
            return
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(done)
        self.progress_bar.setToolTip(stage)

    def _on_made(self, task: Task, result) -> None:
        if task is not self._task:
            return
        video_id, path = result
        if path is None:
            self.report(
                f"The scrubbing proxy of trailer {video_id} could not be written", 5000)
            return
        self.made.append(video_id)
        current = self.state.video
        if current is not None and current.id == video_id:
            self.player.set_proxy(path)
        self.sigProxyReady.emit(video_id, path)

    def _on_failed(self, task: Task, exc: BaseException) -> None:
        if task is self._task:  # the video vanished or changed: the player says so on opening
            self.report(f"No scrubbing proxy: {exc}", 5000)

    def _on_done(self, task: Task) -> None:
        if task is self._task:
            self._task = None
        self._next()
