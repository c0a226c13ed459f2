"""Several annotators in the main window (issue #6): switch, compare, agreement.

* **Switch** (the status bar's "Annotator: NAME" button, or Labels ▸ Annotator): the project's
  annotators, plus "New annotator…". Switching saves the current labels first, then opens the
  same trailer and frame with that annotator's labels in a new ``LabelEditor`` (undo starts
  afresh: a step belongs to one annotator's labels). It lasts for the session: the
  Preferences' annotator stays the default a project opens with.
* **Compare with** (View ▸ Compare with): another annotator's stored labels drawn as a thin
  ghost strip at the bottom of each lane (:mod:`ghost_strip`), following the trailer (none
  on a trailer they never labelled). Comparing stops when the project closes.
* **Agreement** (Labels ▸ Agreement…): :class:`AgreementDialog`.

The ``WorkspaceState`` keeps the truth (``annotator``, the editor); this object only adds menus
and the overlay. It is handed what it works with, not the window: the state, the timeline (its
ghost strips), the action table (the View menu), the status bar's annotator button, the
preferences (the default annotator), how to save the labels first (``flush``), how to switch
(``switch_annotator``, the project controller's) and to open the Preferences, a status reporter
and the parent of its dialogs. ``store_changed`` redraws the ghost strip when another program
changed the compared annotator's labels (connect ``SeveralWriters.sigStoreChanged``).
"""

from __future__ import annotations

import sqlite3
from typing import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from ...core.label_sources import LabelSourceError, check_annotator_name
from .agreement_dialog import AgreementDialog
from ..timeline.ghost_strip import GhostStrip
from ..messages import Report, show_error


class AnnotatorTools(QtCore.QObject):
    def __init__(self, state, timeline, actions, annotator_button: QtWidgets.QToolButton, prefs,
                 flush: Callable[[], bool], switch_annotator: Callable[[str], bool],
                 open_preferences: Callable[[], None], report: Report,
                 parent: QtWidgets.QWidget):
        super().__init__(parent)
        self.state, self.timeline, self.prefs, self.report = state, timeline, prefs, report
        self.flush, self.switch_annotator = flush, switch_annotator
        self.parent_widget = parent
        self.compare: str | None = None  # whose labels the ghost strips show
        self._compare_project = None
        self._compared: tuple | None = None  # (video, compared annotator, revision) last drawn
        self.agreement_dialog: AgreementDialog | None = None
        self.new_dialog: QtWidgets.QInputDialog | None = None
        self.ghost = GhostStrip(timeline)

        self.switch_menu = QtWidgets.QMenu("&Annotator", parent)
        self.switch_menu.setObjectName("annotatorMenu")
        self.switch_menu.aboutToShow.connect(self.fill_switch_menu)
        self.compare_menu = QtWidgets.QMenu("&Compare with", parent)
        self.compare_menu.setObjectName("compareMenu")
        self.compare_menu.aboutToShow.connect(self.fill_compare_menu)
        self.agreement_action = QtGui.QAction("A&greement between annotators…", parent)
        self.agreement_action.setObjectName("action_agreement")
        self.agreement_action.setStatusTip("Cohen's kappa per genre between two annotators")
        self.agreement_action.triggered.connect(self.open_agreement)

        view = actions.menus.get("View")
        if view is not None:
            view.addSeparator()
            view.addMenu(self.compare_menu)
        button = annotator_button
        button.setMenu(self.switch_menu)
        button.setPopupMode(QtWidgets.QToolButton.InstantPopup)
        button.setToolTip("Whose labels you are editing: click to switch annotator "
                          "(the default is in Edit ▸ Preferences)")
        timeline.sigLanesChanged.connect(self.refresh_ghost)
        self._open_preferences = open_preferences
        self.fill_switch_menu()
        self.fill_compare_menu()

    # ---- names ---------------------------------------------------------------------------
    def annotator_names(self) -> list[str]:
        """The project's annotators, with the current one, the project's and the default."""
        p = self.state.project
        if p is None:
            return []
        names = set(p.annotators()) | {self.state.annotator, p.annotator, self.prefs.annotator}
        return sorted(n for n in names if n)

    # ---- menus ---------------------------------------------------------------------------
    def fill_labels_menu(self, menu: QtWidgets.QMenu) -> None:
        """Called after the window fills its Labels menu with the genres."""
        menu.addSeparator()
        menu.addMenu(self.switch_menu)
        menu.addAction(self.agreement_action)

    def update_actions(self) -> None:
        has_project = self.state.project is not None
        self.switch_menu.menuAction().setEnabled(has_project)
        self.compare_menu.menuAction().setEnabled(has_project)
        self.agreement_action.setEnabled(has_project)

    def fill_switch_menu(self) -> None:
        menu = self.switch_menu
        menu.clear()
        current = self.state.annotator
        group = QtGui.QActionGroup(menu)
        for name in self.annotator_names():
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name == current)
            action.setActionGroup(group)
            action.triggered.connect(lambda _=False, n=name: self.switch_to(n))
        if menu.actions():
            menu.addSeparator()
        menu.addAction("&New annotator…", self.ask_new_annotator).setEnabled(
            self.state.project is not None)
        menu.addAction("Default annotator (Preferences)…", lambda: self._open_preferences())

    def fill_compare_menu(self) -> None:
        menu = self.compare_menu
        menu.clear()
        group = QtGui.QActionGroup(menu)
        nobody = menu.addAction("Nobody")
        nobody.setCheckable(True)
        nobody.setChecked(self.compare is None)
        nobody.setActionGroup(group)
        nobody.triggered.connect(lambda: self.set_compare(None))
        others = [n for n in self.annotator_names() if n != self.state.annotator]
        if others:
            menu.addSeparator()
        for name in others:
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name == self.compare)
            action.setActionGroup(group)
            action.triggered.connect(lambda _=False, n=name: self.set_compare(n))

    # ---- switching -----------------------------------------------------------------------
    def switch_to(self, name: str) -> bool:
        ok = self.switch_annotator(name)
        if ok and self.compare == name:  # comparing with oneself shows nothing useful
            self.set_compare(None)
        return ok

    def ask_new_annotator(self) -> QtWidgets.QInputDialog:
        """A non-blocking name prompt; switching happens when it is accepted."""
        dialog = QtWidgets.QInputDialog(self.parent_widget)
        dialog.setObjectName("newAnnotatorDialog")
        dialog.setWindowTitle("New annotator")
        dialog.setLabelText("Label this project as (a new annotator's name):")
        dialog.setInputMode(QtWidgets.QInputDialog.TextInput)
        dialog.setAttribute(QtCore.Qt.WA_DeleteOnClose)
        dialog.textValueSelected.connect(self.new_annotator)
        self.new_dialog = dialog
        dialog.open()
        return dialog

    def new_annotator(self, name: str) -> bool:
        try:
            name = check_annotator_name(name)
        except LabelSourceError as exc:
            show_error(self.parent_widget, "New annotator", str(exc))
            return False
        return self.switch_to(name)

    # ---- the ghost strips ----------------------------------------------------------------
    def set_compare(self, name: str | None) -> None:
        self.compare = name or None
        self._compare_project = self.state.project
        self.refresh_ghost()
        if name:
            self.report(f"Comparing with {name}: their labels are the "
                                                "thin strips under each lane", 5000)

    def refresh_ghost(self) -> None:
        """Draw the compared annotator's labels of the current trailer (or nothing)."""
        st = self.state
        if st.project is not self._compare_project:  # another project: stop comparing
            self.compare, self._compare_project = None, st.project
        video = st.video
        if self.compare is None or video is None or self.timeline.editor is None or st.project is None:
            self.ghost.set_labels(None, [])
            return
        if self.compare not in st.project.annotators(video.id):  # never labelled this trailer
            self.ghost.set_labels(None, [])
            self.report(f"{self.compare} has not labelled this trailer", 3000)
            return
        labels = st.project.load_labels(video.id, self.compare)
        self.ghost.set_labels(labels, [g.color for g in st.genres], self.compare)

    def store_changed(self) -> None:
        """Another program committed: redraw the ghost strip if the compared annotator's
        labels of this trailer moved (two people labelling side by side)."""
        video = self.state.video
        if self.compare is None or video is None or self.state.project is None:
            self._compared = None
            return
        try:
            revision = self.state.project.label_revision(video.id, self.compare)
        except sqlite3.Error:
            return
        key = (video.id, self.compare, revision)
        if key != self._compared:  # moved, or not known since the comparison began: redraw
            self.refresh_ghost()
        self._compared = key

    # ---- agreement -----------------------------------------------------------------------
    def open_agreement(self) -> AgreementDialog | None:
        st = self.state
        if st.project is None:
            return None
        if self.agreement_dialog is not None:
            self.agreement_dialog.close()
        self.flush()
        names = sorted(st.project.annotators() or [])
        if st.annotator and st.annotator not in names:
            names = sorted(names + [st.annotator])
        dialog = AgreementDialog(st.project, names, st.annotator, self.compare,
                                 before=self.flush, parent=self.parent_widget)
        dialog.setAttribute(QtCore.Qt.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_, d=dialog: self._forget_agreement(d))
        self.agreement_dialog = dialog
        dialog.show()
        return dialog

    def _forget_agreement(self, dialog) -> None:
        if self.agreement_dialog is dialog:
            self.agreement_dialog = None
