"""The Model dock's live training curves (``TrainingCurves`` in the ``TrainingPanel``): what
they draw while batches and epochs stream in, and what a redraw costs the GUI thread (each
paint of a plot is 10-20 ms of it while a worker trains: model/README.md)."""

from PySide6 import QtWidgets


def test_training_loss_curve_has_no_jumps_at_epoch_starts(qtbot):
    """Keras' running mean restarts each epoch; the panel plots each batch's own loss,
    smoothed, so a steady loss draws a flat line across epochs."""
    from trailer_gui.widgets.model.training_panel import TrainingPanel

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    for epoch in (1, 2):
        for batch in range(1, 5):
            # batch losses 2, 2, 2, 2: the running mean is 2 throughout, batch_loss too
            panel.add_event({"event": "batch", "epoch": epoch, "batch": batch, "batches": 4,
                             "loss": 2.0, "batch_loss": 2.0})
    panel.add_event({"event": "batch", "epoch": 3, "batch": 1, "batches": 4,
                     "loss": 8.0, "batch_loss": 8.0})  # one outlier batch
    panel.redraw()
    xs, ys = panel.batch_curve.getData()
    assert list(xs[:5]) == [0.25, 0.5, 0.75, 1.0, 1.25]
    assert all(y == 2.0 for y in ys[:-1])
    assert 2.0 < ys[-1] < 4.0  # smoothed, not a spike to 8


def test_epoch_curves_keep_their_points_while_batches_stream_in(qtbot):
    """Redraws while batches stream in only touch the batch curve; each epoch's points
    appear at the next redraw after it ends and stay; a new job's clear empties them."""
    from trailer_gui.widgets.model.training_panel import TrainingPanel

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    metrics = {"macro": {"f1": 0.5, "ap": 0.7}}
    for epoch in (1, 2):
        for batch in (1, 2):
            panel.add_event({"event": "batch", "epoch": epoch, "batch": batch, "batches": 2,
                             "batch_loss": 1.0 / epoch})
            panel.redraw()
        panel.add_event({"event": "epoch", "epoch": epoch, "loss": 1.0 / epoch,
                         "val_loss": 1.5 / epoch, "metrics": metrics})
        panel.redraw()
    panel.add_event({"event": "batch", "epoch": 3, "batch": 1, "batches": 2, "batch_loss": 0.3})
    panel.redraw()
    assert panel.batch_curve.getData()[0].tolist()[-1] == 2.5
    assert panel.loss_curve.getData()[1].tolist() == [1.0, 0.5]
    assert panel.val_curve.getData()[1].tolist() == [1.5, 0.75]
    assert panel.f1_curve.getData()[1].tolist() == [0.5, 0.5]
    panel.clear_curves()
    for curve in (panel.batch_curve, panel.loss_curve, panel.val_curve, panel.f1_curve):
        xs, _ = curve.getData()
        assert xs is None or len(xs) == 0


def test_a_redraw_while_training_paints_only_the_changed_plot_and_only_once(qtbot):
    """Each paint of a plot is ~10-20 ms of the GUI thread while a worker trains: a batch
    repaints the loss plot once (the axes fitted before the paint, not during it, which
    made pyqtgraph paint twice), and leaves the score plot alone."""
    from PySide6 import QtCore

    from trailer_gui.widgets.model.training_panel import TrainingPanel

    class PaintCounter(QtCore.QObject):
        def __init__(self):
            super().__init__()
            self.painted = []

        def eventFilter(self, obj, event):  # noqa: N802 (Qt name)
            if event.type() == QtCore.QEvent.Paint:
                self.painted.append(obj.parent().objectName())
            return False

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.resize(420, 700)
    panel.show()
    qtbot.waitExposed(panel)
    counter = PaintCounter()
    for plot in (panel.curves.loss_plot, panel.curves.score_plot):
        plot.viewport().installEventFilter(counter)
    qtbot.waitUntil(lambda: {"lossPlot", "scorePlot"} <= set(counter.painted), timeout=20000)
    for _ in range(100):  # the first paints (layout settling) are over when a wait adds none
        before = len(counter.painted)
        qtbot.wait(30)
        if len(counter.painted) == before:
            break
    for batch in range(1, 4):
        panel.add_event({"event": "batch", "epoch": 1, "batch": batch, "batches": 8,
                         "batch_loss": 1.0 / batch})
        counter.painted.clear()
        panel.redraw()
        qtbot.waitUntil(lambda: bool(counter.painted), timeout=20000)
        for _ in range(3):
            QtWidgets.QApplication.processEvents()
        assert counter.painted == ["lossPlot"]
