"""The window's actions, their default shortcuts and its menus, in one table.

Every shortcut is a QAction with ``Qt.WindowShortcut`` added to the main window, so it works
whichever child has focus, and Qt lets a focused text field take the keys it types with
(Space, arrows, Home/End, Delete) before the shortcut fires. The genre keys are not shortcuts:
they need press *and* release (live coding), see ``live_coding.GenreKeyFilter``.

A user's overrides (Preferences) are read from ``Prefs.shortcut(name)``.

The table says what each action is called, its keys and its menu; what it *does* comes from
the controller that owns it (napari's per-menu action lists with callbacks): each controller
hands ``Actions.bind`` a ``{name: callback}`` of its own actions, and ``check_bound`` makes
sure none was left without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6 import QtGui, QtWidgets
from PySide6.QtCore import Qt

from .prefs import Prefs


@dataclass(frozen=True)
class Spec:
    name: str  # attribute of Actions, key of a controller's handlers, Prefs "keys/<name>"
    text: str
    keys: tuple[str, ...] = ()
    tip: str = ""
    autorepeat: bool = False


SPECS: tuple[Spec, ...] = (
    # File
    Spec("new_project", "&New project…", ("Ctrl+N",), "Create a project in a new folder"),
    Spec("open_project", "&Open project…", ("Ctrl+O",), "Open a project folder"),
    Spec("open_demo", "Open &demo project", (), "Synthetic labelled trailers, made on first use"),
    Spec("add_videos", "&Add videos…", ("Ctrl+Shift+O",), "Add video files (or drop them on the window)"),
    Spec("locate_video", "&Locate video…", (),
         "Point the trailer at its video file after it moved, was renamed or changed"),
    Spec("export_dataset", "&Export dataset…", ("Ctrl+E",), "Write scene/category .npy files for training"),
    Spec("close_project", "&Close project", ("Ctrl+W",)),
    Spec("quit", "&Quit", ("Ctrl+Q",)),
    # Edit
    Spec("undo", "&Undo", ("Ctrl+Z",)),
    Spec("redo", "&Redo", ("Ctrl+Shift+Z", "Ctrl+Y")),
    Spec("set_in", "Set range &in", ("I",), "Start a range at the current frame"),
    Spec("set_out", "Set range &out", ("O",), "End the range at the current frame"),
    Spec("clear_selection", "Clear range", ("Escape",)),
    Spec("delete_labels", "&Delete labels", ("Delete", "Backspace"),
         "Clear every genre over the range (or the current frame)"),
    # Labels (added to the Labels menu by the window, after the genres)
    Spec("snap_to_shots", "&Snap to shots", ("S",),
         "Painted ranges extend (or shrink) to shot cuts a few frames away"),
    Spec("preferences", "&Preferences…", ("Ctrl+,",)),
    # Playback
    Spec("toggle_play", "&Play / pause", ("Space",)),
    Spec("step_back", "Back one frame", ("Left",), autorepeat=True),
    Spec("step_forward", "Forward one frame", ("Right",), autorepeat=True),
    Spec("back_ten", "Back ten frames", ("Shift+Left",), autorepeat=True),
    Spec("forward_ten", "Forward ten frames", ("Shift+Right",), autorepeat=True),
    Spec("go_start", "Go to start", ("Home",)),
    Spec("go_end", "Go to end", ("End",)),
    Spec("slower", "Slower", ("[",)),
    Spec("faster", "Faster", ("]",)),
    Spec("normal_speed", "Normal speed", ("=",)),
    Spec("toggle_mute", "&Mute", ("M",), "Mute the trailer's sound"),
    Spec("previous_video", "Previous trailer", ("Ctrl+Up", "PgUp")),
    Spec("next_video", "Next trailer", ("Ctrl+Down", "PgDown")),
    # View
    Spec("zoom_all", "Zoom timeline to &all", ("Ctrl+0",)),
    Spec("zoom_selection", "Zoom timeline to &range", ("Ctrl+Shift+R",)),
    Spec("toggle_predictions", "Show &predictions", (), "Probability curves over the lanes"),
    Spec("show_filmstrip", "Show &filmstrip", (), "Thumbnails of the scenes above the timeline"),
    Spec("playback_stats", "Playback &statistics…", (),
         "Frames shown and dropped, picture/sound offset of the current playback"),
    # Model (issue #5; bound by widgets.model.model_controller.ModelController)
    Spec("retrain", "&Retrain", ("Ctrl+R",),
         "Save, export what changed, train (continuing from the latest run), predict every trailer"),
    Spec("predict_current", "Predict this &trailer", (), "Run the model on the current trailer"),
    Spec("predict_all", "Predict &all trailers", (), "Run the model on every trailer"),
    Spec("next_disagreement", "&Next disagreement", ("N",),
         "Next frame where the prediction and the labels differ"),
    Spec("previous_disagreement", "Pre&vious disagreement", ("Shift+N",)),
    Spec("most_uncertain", "Most &uncertain place", ("U",),
         "The most uncertain place (probability nearest the threshold); again: the next one"),
    Spec("accept_predictions", "A&ccept predictions", ("Ctrl+Shift+A",),
         "Labels := the predicted segments over the range (or the whole trailer); one undo step"),
    # Help
    Spec("show_keys", "&Keyboard shortcuts", ("F1",)),
    Spec("about", "&About trailer-gui"),
)

MENUS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("&File", ("new_project", "open_project", "@recent", "open_demo", "-", "add_videos",
               "locate_video", "export_dataset", "-", "close_project", "quit")),
    ("&Edit", ("undo", "redo", "-", "set_in", "set_out", "clear_selection", "delete_labels",
               "-", "preferences")),
    ("&Labels", ("@genres",)),
    ("&Playback", ("toggle_play", "-", "step_back", "step_forward", "back_ten", "forward_ten",
                   "go_start", "go_end", "-", "slower", "faster", "normal_speed", "toggle_mute", "-",
                   "previous_video", "next_video")),
    ("&View", ("zoom_all", "zoom_selection", "-", "toggle_predictions", "show_filmstrip", "-",
               "playback_stats")),
    ("&Model", ("retrain", "-", "predict_current", "predict_all", "-", "next_disagreement",
                "previous_disagreement", "most_uncertain", "accept_predictions")),
    ("&Help", ("show_keys", "about")),
)

DEFAULT_KEYS: dict[str, list[str]] = {s.name: list(s.keys) for s in SPECS}


class Actions:
    """The window's QActions by name (``actions.undo``) and the menus that hold them."""

    def __init__(self, window: QtWidgets.QMainWindow, prefs: Prefs):
        self.by_name: dict[str, QtGui.QAction] = {}
        self._bound: set[str] = set()
        for spec in SPECS:
            action = QtGui.QAction(spec.text, window)
            action.setObjectName(f"action_{spec.name}")
            action.setProperty("label", spec.text.replace("&", ""))  # text() may change (Undo X)
            override = prefs.shortcut(spec.name)
            keys = list(spec.keys) if override is None else ([override] if override else [])
            action.setShortcuts([QtGui.QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.WindowShortcut)
            action.setAutoRepeat(spec.autorepeat)
            if spec.tip:
                action.setStatusTip(spec.tip)
                action.setToolTip(spec.tip)
            window.addAction(action)  # active even where the menu bar is hidden
            self.by_name[spec.name] = action
            setattr(self, spec.name, action)
        self.quit.setMenuRole(QtGui.QAction.QuitRole)
        self.preferences.setMenuRole(QtGui.QAction.PreferencesRole)
        self.about.setMenuRole(QtGui.QAction.AboutRole)
        self.recent_menu = QtWidgets.QMenu("Open &recent", window)
        self.genre_menu: QtWidgets.QMenu | None = None

        bar = window.menuBar()
        self.menus: dict[str, QtWidgets.QMenu] = {}
        for title, names in MENUS:
            menu = bar.addMenu(title)
            self.menus[title.replace("&", "")] = menu
            for name in names:
                if name == "-":
                    menu.addSeparator()
                elif name == "@recent":
                    menu.addMenu(self.recent_menu)
                elif name == "@genres":
                    self.genre_menu = menu
                else:
                    menu.addAction(self.by_name[name])

    def bind(self, handlers: dict[str, Callable]) -> None:
        """Connect each named action to its callback (a controller's own actions)."""
        for name, callback in handlers.items():
            if name not in self.by_name:
                raise KeyError(f"no action named {name!r} in actions.SPECS")
            if name in self._bound:
                raise ValueError(f"action {name!r} is bound twice")
            self.by_name[name].triggered.connect(callback)
            self._bound.add(name)

    def check_bound(self) -> None:
        """Every action of the table does something (a forgotten one is a bug, found at start)."""
        missing = [s.name for s in SPECS if s.name not in self._bound]
        if missing:
            raise RuntimeError(f"actions without a handler: {', '.join(missing)}")

    def shortcut_actions(self) -> dict[str, QtGui.QAction]:
        """Actions a user may rebind (those with a default shortcut)."""
        return {n: a for n, a in self.by_name.items() if DEFAULT_KEYS.get(n)}

    def __getattr__(self, name: str) -> QtGui.QAction:  # for type checkers; set in __init__
        raise AttributeError(name)


def keyboard_map_html(actions: Actions, genre_keys: list[tuple[str, str]]) -> str:
    """The keyboard map as a small HTML table (Help ▸ Keyboard shortcuts)."""
    rows = []
    for spec in SPECS:
        action = actions.by_name[spec.name]
        keys = ", ".join(k.toString(QtGui.QKeySequence.NativeText) for k in action.shortcuts())
        if keys:
            rows.append(f"<tr><td><b>{keys}</b></td><td>{action.property('label')}</td></tr>")
    genres = ", ".join(f"<b>{key}</b> {name}" for key, name in genre_keys)
    return (
        "<table cellspacing=3>" + "".join(rows) + "</table>"
        f"<p>Genre keys: {genres}.<br>A short press toggles the genre on the current frame; "
        "held while the video plays, it paints every frame that passes (one undo step); "
        "paused with a range (I, O), it fills the range.</p>"
    )
