"""Sound and filmstrip in the main window (issue #6): wiring, actions, statistics dialog.

``PlaybackExtras`` makes the :class:`~.audio.AudioTrack` (following the player) and the
:class:`~.filmstrip.Filmstrip` (above the timeline), and sets up the actions ``toggle_mute``
(M, checkable, state in ``Prefs.muted``), ``show_filmstrip`` (checkable,
``Prefs.show_filmstrip``) and ``playback_stats`` (a small live dialog: frames shown and
dropped, picture/sound offset), bound to its own methods (``actions.Actions.bind``). It follows
``WorkspaceState.sigVideoChanged`` itself; the window calls ``shutdown`` when it closes. It is
handed what it uses: the state, the player, the timeline, the action table, the preferences,
where the filmstrip's thumbnails come from (``filmstrip_sources``, the proxy controller's), a
status reporter and the parent of its dialog.
"""

from __future__ import annotations

from typing import Callable

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from ..messages import Report
from ..timeline.filmstrip import Filmstrip
from .audio import AudioTrack


class PlaybackExtras(QtCore.QObject):
    def __init__(self, state, player, timeline, actions, prefs,
                 filmstrip_sources: Callable[[object], dict], report: Report,
                 parent: QtWidgets.QWidget):
        super().__init__(parent)
        self.state, self.player, self.timeline, self.actions = state, player, timeline, actions
        self.prefs, self.filmstrip_sources, self.report = prefs, filmstrip_sources, report
        self.parent_widget = parent
        self.audio = AudioTrack(parent, muted=prefs.muted)
        self.audio.attach(player)
        self.audio.sigStatusChanged.connect(self._on_audio_status)
        self.filmstrip = Filmstrip(timeline, parent)
        self.filmstrip.sigSeek.connect(player.seek)
        self._timeline_min = timeline.minimumHeight()
        self.filmstrip.set_shown(prefs.show_filmstrip)
        self._fit_timeline()
        player.sigPlayingChanged.connect(self.filmstrip.set_playing)
        self.stats_dialog: PlaybackStatsDialog | None = None
        state.sigVideoChanged.connect(self.video_changed)  # sound and filmstrip follow

        a = actions
        a.toggle_mute.setCheckable(True)
        a.toggle_mute.setChecked(self.audio.is_muted())
        a.show_filmstrip.setCheckable(True)
        a.show_filmstrip.setChecked(self.filmstrip.is_shown())
        a.bind({"toggle_mute": lambda *_: self.set_muted(a.toggle_mute.isChecked()),
                "show_filmstrip": lambda *_: self.set_filmstrip_shown(a.show_filmstrip.isChecked()),
                "playback_stats": self.show_stats})
        self._update_mute_action()

    # ---- the current trailer ------------------------------------------------------------
    def video_changed(self, video) -> None:
        """``WorkspaceState.sigVideoChanged``: a trailer (or none) is current."""
        if video is None:
            self.video_closed()
        else:
            self.video_opened(video)

    def video_opened(self, video) -> None:
        """``video``: the store's ``Video`` the player just opened."""
        self.audio.open(video.path, video.fps, bool(video.has_audio))
        aspect = video.width / video.height if video.width and video.height else None
        self.filmstrip.set_video(video.path, video.frames, video.fps, aspect,
                                 **self.filmstrip_sources(video))
        self._update_mute_action()

    def video_closed(self) -> None:
        self.audio.close()
        self.filmstrip.clear()
        self._update_mute_action()

    def shutdown(self) -> None:
        if self.stats_dialog is not None:
            self.stats_dialog.close()
        self.audio.shutdown()
        self.filmstrip.shutdown()

    # ---- actions -------------------------------------------------------------------------
    def set_muted(self, muted: bool) -> None:
        self.audio.set_muted(muted)
        self.prefs.muted = bool(muted)
        action = self.actions.toggle_mute
        if action.isChecked() != bool(muted):
            action.setChecked(bool(muted))
        if self.audio.is_active() or self.audio.status() == "failed":
            self.report("Sound muted" if muted else "Sound on", 2000)

    def set_filmstrip_shown(self, shown: bool) -> None:
        self.filmstrip.set_shown(shown)
        self._fit_timeline()
        self.prefs.show_filmstrip = bool(shown)
        action = self.actions.show_filmstrip
        if action.isChecked() != bool(shown):
            action.setChecked(bool(shown))

    def _fit_timeline(self) -> None:
        """The lanes keep the room they had: the strip adds its height to the minimum."""
        extra = self.filmstrip.strip_height() if self.filmstrip.is_shown() else 0
        self.timeline.setMinimumHeight(self._timeline_min + extra)

    def show_stats(self) -> None:
        if self.stats_dialog is None:
            self.stats_dialog = PlaybackStatsDialog(self.stats_text, self.parent_widget)
            self.stats_dialog.destroyed.connect(lambda *_: setattr(self, "stats_dialog", None))
        self.stats_dialog.show()
        self.stats_dialog.raise_()

    def _on_audio_status(self, status: str) -> None:
        self._update_mute_action()
        if status == "failed":
            self.report(
                f"No sound: {self.audio.error()} (the picture plays on its own clock)", 8000)

    def _update_mute_action(self) -> None:
        status = self.audio.status()
        tip = {
            "off": "This trailer has no sound",
            "unavailable": "No sound: Qt Multimedia cannot be loaded here",
            "failed": f"No sound: {self.audio.error()}",
        }.get(status, "Mute the trailer's sound")
        self.actions.toggle_mute.setStatusTip(tip)
        self.actions.toggle_mute.setToolTip(tip)

    # ---- statistics ----------------------------------------------------------------------
    def stats_text(self) -> str:
        video = self.state.video
        player = self.player
        lines = []
        if video is None:
            return "No trailer open."
        status = self.audio.status()
        sound = {"off": "none (no audio stream)", "loading": "loading", "ready": "yes",
                 "failed": f"failed: {self.audio.error()}",
                 "unavailable": "Qt Multimedia unavailable"}.get(status, status)
        lines.append(f"{video.name}: {video.frames} frames at {video.fps:g} fps; sound: {sound}")
        state = "playing" if player.is_playing() else "paused"
        s = player.stats()
        lines.append(f"{state} at {player.speed():g}x (since play): {s['shown']} frames shown, "
                     f"{s['dropped']} dropped")
        if self.audio.is_active():
            o = self.audio.offset_stats()
            muted = "muted" if self.audio.is_muted() else "on"
            pos = self.audio.position_s()
            lines.append(f"sound {muted}; audio at {pos:.3f} s, picture at "
                         f"{player.frame() / player.fps():.3f} s (frame {player.frame()})")
            lines.append(f"picture/sound offset over {o['frames']} frames "
                         "(positive: picture late):")
            if o["frames"]:
                lines.append(f"  mean {o['mean_ms']:+.1f} ms, "
                             f"mean |offset| {o['mean_abs_ms']:.1f} ms "
                             f"({o['mean_abs_frames']:.2f} frames)")
                lines.append(f"  95% under {o['p95_abs_ms']:.1f} ms, max {o['max_abs_ms']:.1f} ms "
                             f"({o['max_abs_frames']:.2f} frames)")
                r = o["raw"]
                lines.append(f"  against the last position() sample alone: mean |offset| "
                             f"{r['mean_abs_ms']:.1f} ms, max {r['max_abs_ms']:.1f} ms")
            lines.append(f"  frames shown while the sound did not lead: {o['unsynced']}; "
                         f"audio stalls: {o['stalls']}")
        else:
            lines.append("the picture plays on its own clock")
        fs = self.filmstrip
        if fs.is_shown():
            slots = fs.slots()
            ready = sum(1 for s in slots if s[3])
            lines.append(f"filmstrip: {ready}/{len(slots)} visible thumbnails ready, one per "
                         f"{fs.step} frames; {len(fs.cache)} cached")
        return "\n".join(lines)


class PlaybackStatsDialog(QtWidgets.QDialog):
    """A live view of ``text()`` (refreshed every ``INTERVAL_MS`` while visible)."""

    INTERVAL_MS = 250

    def __init__(self, text, parent=None):
        super().__init__(parent)
        self.setObjectName("playbackStats")
        self.setWindowTitle("Playback statistics")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._text = text
        self.label = QtWidgets.QLabel()
        self.label.setFont(QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont))
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.label)
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        try:
            self.label.setText(self._text())
        except Exception as exc:  # never let a statistics glitch break the window
            self.label.setText(f"(statistics unavailable: {exc})")

    def showEvent(self, event) -> None:  # noqa: N802
        self.refresh()
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event) -> None:  # noqa: N802
        self._timer.stop()
        super().hideEvent(event)


__all__ = ["PlaybackExtras", "PlaybackStatsDialog"]
