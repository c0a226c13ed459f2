"""Export dataset: size, stride, trailers and whose labels (one annotator, or the union or
majority of several); runs in a worker with a progress bar and Cancel.

The dialog is window-modal but opened with ``open()`` (never ``exec()``): the event loop keeps
running, the main window repaints and tests can drive it. Export is atomic per file (the core
writes ``.part`` files and renames them), so Cancel leaves no half-written file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6 import QtWidgets
from PySide6.QtCore import Qt, Signal

from ...core.errors import TrailerError
from ...core.export import (ExportReport, ExportSettings, dataset_dir, export_dataset,
                             last_export_settings)
from ...core.store import Project
from ...workers.tasks import Task
from ..labels.label_source_picker import LabelSourcePicker
from ..messages import show_error, show_message


class ExportDialog(QtWidgets.QDialog):
    sigExported = Signal(object)  # ExportReport

    def __init__(self, project: Project, annotator: str, before_export: Callable[[], bool] | None = None,
                 parent=None, checked: list[int] | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export dataset")
        self.setObjectName("exportDialog")
        self.project = project
        self.annotator = annotator
        self._before_export = before_export
        self.task: Task | None = None
        self.report: ExportReport | None = None

        last = last_export_settings(project) or ExportSettings()
        self.rows = QtWidgets.QSpinBox(minimum=4, maximum=2048, value=last.size[0])
        self.cols = QtWidgets.QSpinBox(minimum=4, maximum=2048, value=last.size[1])
        self.stride = QtWidgets.QSpinBox(minimum=1, maximum=1000, value=last.stride)
        self.stride.setToolTip("Take every Nth frame of each trailer")
        for spin in (self.rows, self.cols):
            spin.setSuffix(" px")
        size_row = QtWidgets.QHBoxLayout()
        size_row.addWidget(self.rows)
        size_row.addWidget(QtWidgets.QLabel("×"))
        size_row.addWidget(self.cols)
        size_row.addStretch(1)

        self.trailers = QtWidgets.QListWidget()
        self.trailers.setObjectName("exportTrailers")
        for video in project.videos():
            item = QtWidgets.QListWidgetItem(f"{video.id}: {video.name}  ({video.frames} frames)")
            item.setData(Qt.UserRole, video.id)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            on = checked is None or video.id in checked
            item.setCheckState(Qt.Checked if on else Qt.Unchecked)
            self.trailers.addItem(item)
        self.trailers.itemChanged.connect(self._update_buttons)
        all_none = QtWidgets.QHBoxLayout()
        for text, state in (("All", Qt.Checked), ("None", Qt.Unchecked)):
            b = QtWidgets.QPushButton(text)
            b.setAutoDefault(False)
            b.clicked.connect(lambda _=False, s=state: self._check_all(s))
            all_none.addWidget(b)
        all_none.addStretch(1)

        form = QtWidgets.QFormLayout()
        form.addRow("Frame size (rows × cols)", size_row)
        form.addRow("Stride", self.stride)
        # whose labels: this annotator by default; a union/majority used last is offered again
        self.source = LabelSourcePicker(project.annotators(), annotator, last.annotator)
        self.source.sigChanged.connect(self._update_buttons)
        form.addRow("Labels", self.source)
        self.from_proxy = QtWidgets.QCheckBox("Decode the proxies (faster; pixels differ slightly)")
        self.from_proxy.setObjectName("export_from_proxy")
        self.from_proxy.setToolTip(
            "Read each trailer's small scrubbing proxy instead of the video where the proxy "
            "is at least as large as the frame size (see README: Proxies)")
        form.addRow("", self.from_proxy)
        self.scale_in_decoder = QtWidgets.QCheckBox(
            "Shrink frames while decoding (less CPU at 1080p; pixels differ slightly)")
        self.scale_in_decoder.setObjectName("export_scale_in_decoder")
        self.scale_in_decoder.setToolTip(
            "Let the decoder shrink each frame while converting it instead of shrinking the "
            "full-size frame afterwards: within a level or two of 255 per pixel "
            "(see README: Export speed)")
        form.addRow("", self.scale_in_decoder)
        # Into the project's dataset/ (what training reads), or a folder of the user's: the
        # only way out of a read-only project.
        self.out_dir = QtWidgets.QLineEdit()
        self.out_dir.setObjectName("exportFolder")
        self.out_dir.setPlaceholderText(
            "choose a folder: this project is read-only" if project.read_only
            else f"{dataset_dir(project)} (what training reads)")
        self.out_dir.textChanged.connect(self._update_buttons)
        choose = QtWidgets.QPushButton("Choose…")
        choose.setAutoDefault(False)
        choose.clicked.connect(self._choose_folder)
        out_row = QtWidgets.QHBoxLayout()
        out_row.addWidget(self.out_dir, 1)
        out_row.addWidget(choose)
        form.addRow("Into", out_row)

        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)

        self.buttons = QtWidgets.QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QtWidgets.QDialogButtonBox.AcceptRole)
        self.cancel_button = self.buttons.addButton(QtWidgets.QDialogButtonBox.Cancel)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel_or_close)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QtWidgets.QLabel("Trailers"))
        layout.addWidget(self.trailers, 1)
        layout.addLayout(all_none)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(460, 420)
        self._update_buttons()

    # ---- state ---------------------------------------------------------------------------
    def settings(self) -> ExportSettings:
        return ExportSettings((self.rows.value(), self.cols.value()), self.stride.value(),
                              self.source.spec() or self.annotator,
                              from_proxy=self.from_proxy.isChecked(),
                              scale_in_decoder=self.scale_in_decoder.isChecked())

    def out_folder(self) -> Path | None:
        """Where to export: None = the project's dataset/."""
        text = self.out_dir.text().strip()
        return Path(text).expanduser() if text else None

    def _choose_folder(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, "Export the dataset into")
        if folder:
            self.out_dir.setText(folder)

    def checked_ids(self) -> list[int]:
        return [
            self.trailers.item(i).data(Qt.UserRole)
            for i in range(self.trailers.count())
            if self.trailers.item(i).checkState() == Qt.Checked
        ]

    def _check_all(self, state) -> None:
        for i in range(self.trailers.count()):
            self.trailers.item(i).setCheckState(state)

    def running(self) -> bool:
        return self.task is not None and self.task.is_running()

    def _update_buttons(self, *_):
        busy = self.running()
        has_place = bool(self.out_folder()) or not self.project.read_only
        self.export_button.setEnabled(not busy and bool(self.checked_ids())
                                      and self.source.is_valid() and has_place)
        for w in (self.rows, self.cols, self.stride, self.trailers, self.source, self.from_proxy,
                  self.scale_in_decoder, self.out_dir):
            w.setEnabled(not busy)
        self.cancel_button.setText("Cancel" if busy else "Close")

    # ---- running -------------------------------------------------------------------------
    def start(self) -> Task | None:
        if self.running():
            return self.task
        if self._before_export is not None and not self._before_export():
            self.status.setText("Labels could not be saved; export not started.")
            return None
        ids = self.checked_ids()
        settings = self.settings()
        self.report = None
        self.progress.setRange(0, 0)  # busy until the first report
        self.status.setText("Preparing…")
        self.task = Task(_export, self.project.folder, settings, ids, self.out_folder(),
                         name="export")
        self.task.sigProgress.connect(self._on_progress)
        self.task.sigFinished.connect(self._on_finished)
        self.task.sigErrored.connect(self._on_error)
        self.task.sigCancelled.connect(self._on_cancelled)
        self.task.sigDone.connect(self._update_buttons)
        self.task.start()
        self._update_buttons()
        return self.task

    def cancel_or_close(self) -> None:
        if self.running():
            self.task.cancel()
            self.status.setText("Cancelling…")
            self.cancel_button.setEnabled(False)
        else:
            self.reject()

    def _on_progress(self, done: int, total: int, stage: str) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(min(done, max(1, total)))
        self.status.setText(f"{stage}  {done}/{total} frames")

    def _on_finished(self, report: ExportReport) -> None:
        self.report = report
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.status.setText(report.summary())
        self.cancel_button.setEnabled(True)
        if report.unavailable:  # missing or replaced videos: named, the rest was exported
            show_message(self, "Some trailers' videos are unavailable",
                         "\n".join(report.unavailable)
                         + "\n\nFile ▸ Locate video… points a trailer at its moved file.",
                         icon=QtWidgets.QMessageBox.Warning)
        self.sigExported.emit(report)

    def _on_cancelled(self) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status.setText("Export cancelled; finished trailers were kept, nothing half-written.")
        self.cancel_button.setEnabled(True)

    def _on_error(self, exc: BaseException) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status.setText(f"Export failed: {exc}")
        self.cancel_button.setEnabled(True)
        details = None if isinstance(exc, (TrailerError, OSError, ValueError)) else self.task.traceback
        show_error(self, "Export failed", str(exc), details)

    def reject(self) -> None:
        if self.running():  # Escape or the close button while exporting: cancel first
            self.cancel_or_close()
            return
        super().reject()

    def closeEvent(self, event):  # noqa: N802
        if self.running():
            self.cancel_or_close()
            event.ignore()
            return
        super().closeEvent(event)


def _export(progress, folder, settings: ExportSettings, ids: list[int],
            out: Path | None = None) -> ExportReport:
    """Worker side: its own Project (its own sqlite connection), closed when done."""
    project = Project.open(folder)
    try:
        return export_dataset(project, settings, ids, progress, out=out)
    finally:
        project.close()
