"""The user's preferences, kept with QSettings (organisation and app "trailer-gui").

What belongs to the user rather than to a project lives here: recent projects, the window's
geometry and splitters, the annotator name, keyboard shortcut overrides and the reaction lag.
What belongs to a project (its last trailer and frame) lives in the project's own settings.

Tests point QSettings at a temporary folder (tests/gui/conftest.py), so they never touch the
real user's settings.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore

ORGANISATION = "trailer-gui"
APPLICATION = "trailer-gui"
MAX_RECENT = 10


def reachable(path) -> bool:
    """``Path.exists`` that never raises: a recent project can be anything (a folder without
    permission, a removed drive), and start-up must not stop on it."""
    try:
        return Path(path).exists()
    except (OSError, ValueError, TypeError):
        return False


class Prefs:
    """Typed access to the few keys we keep; every read goes to QSettings (no cache)."""

    def __init__(self, settings: QtCore.QSettings | None = None):
        self.qs = settings or QtCore.QSettings(ORGANISATION, APPLICATION)

    # ---- recent projects -----------------------------------------------------------------
    def recent_projects(self) -> list[Path]:
        value = self.qs.value("recent/projects", [])
        if isinstance(value, str):  # QSettings gives a bare string for a one-item list
            value = [value]
        if not isinstance(value, (list, tuple)):  # a hand-edited or damaged settings file
            return []
        return [Path(v) for v in value if isinstance(v, str) and v and "\0" not in v]

    def add_recent(self, folder: str | Path) -> None:
        folder = str(Path(folder).resolve())
        items = [str(p) for p in self.recent_projects() if str(p) != folder]
        self.qs.setValue("recent/projects", [folder, *items][:MAX_RECENT])

    def clear_recent(self) -> None:
        self.qs.setValue("recent/projects", [])

    def last_project(self) -> Path | None:
        recent = self.recent_projects()
        return recent[0] if recent else None

    # ---- annotator -----------------------------------------------------------------------
    @property
    def annotator(self) -> str:
        """The name the user set, or "" to use each project's own annotator."""
        return str(self.qs.value("labels/annotator", "") or "").strip()

    @annotator.setter
    def annotator(self, name: str) -> None:
        self.qs.setValue("labels/annotator", (name or "").strip())

    # ---- live coding ---------------------------------------------------------------------
    @property
    def reaction_lag_ms(self) -> int:
        """Live painting is shifted back by this much (issue #6 adds it to the dialog)."""
        try:
            return max(0, int(self.qs.value("labels/reaction_lag_ms", 0)))
        except (TypeError, ValueError):
            return 0

    @reaction_lag_ms.setter
    def reaction_lag_ms(self, ms: int) -> None:
        self.qs.setValue("labels/reaction_lag_ms", max(0, int(ms)))

    # ---- playback and view (issue #6) ----------------------------------------------------
    def _flag(self, key: str, default: bool) -> bool:
        value = self.qs.value(key, default)
        if isinstance(value, str):  # INI files give strings back
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)

    @property
    def muted(self) -> bool:
        """The trailer's sound is muted (Playback ▸ Mute)."""
        return self._flag("playback/muted", False)

    @muted.setter
    def muted(self, value: bool) -> None:
        self.qs.setValue("playback/muted", bool(value))

    @property
    def show_filmstrip(self) -> bool:
        """Thumbnails above the timeline (View ▸ Show filmstrip)."""
        return self._flag("view/filmstrip", True)

    @show_filmstrip.setter
    def show_filmstrip(self, value: bool) -> None:
        self.qs.setValue("view/filmstrip", bool(value))

    @property
    def snap_to_shots(self) -> bool:
        """Painted ranges snap to nearby shot cuts (Labels ▸ Snap to shots)."""
        return self._flag("labels/snap_to_shots", False)

    @snap_to_shots.setter
    def snap_to_shots(self, value: bool) -> None:
        self.qs.setValue("labels/snap_to_shots", bool(value))

    # ---- keyboard shortcuts --------------------------------------------------------------
    def shortcut(self, action: str) -> str | None:
        """A user's override for an action's shortcut ("" = none), or None for the default."""
        value = self.qs.value(f"keys/{action}")
        return None if value is None else str(value)

    def set_shortcut(self, action: str, keys: str | None) -> None:
        if keys is None:
            self.qs.remove(f"keys/{action}")
        else:
            self.qs.setValue(f"keys/{action}", keys)

    # ---- window --------------------------------------------------------------------------
    def window_bytes(self, key: str) -> QtCore.QByteArray | None:
        value = self.qs.value(f"window/{key}")
        return value if isinstance(value, QtCore.QByteArray) and not value.isEmpty() else None

    def set_window_bytes(self, key: str, value: QtCore.QByteArray) -> None:
        self.qs.setValue(f"window/{key}", value)

    def sync(self) -> None:
        self.qs.sync()
