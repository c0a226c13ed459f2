"""What the player benchmarks share (imported as ``_common``: the scripts run from this folder).

Waiting is done with a ``QEventLoop`` (never ``QApplication.processEvents()`` in a loop: in
PySide6 6.12 on Python 3.11 each call drops one reference to ``None`` and the process aborts
after a few thousand).
"""

from __future__ import annotations


def wait_for_player(player, pred, timeout_ms: int = 10000) -> bool:
    """Run the event loop until ``pred()`` holds or ``timeout_ms`` passes; ``pred`` is checked
    whenever ``player`` shows a picture (``sigShown``: the last signal of a shown frame, so
    whatever ``sigFrameChanged`` recorded is there) or stops playing. No busy polling: it would
    steal the GIL from the decoder threads."""
    from PySide6 import QtCore

    if pred():
        return True
    loop = QtCore.QEventLoop()

    def check(*_):
        if pred():
            loop.quit()

    timer = QtCore.QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(int(timeout_ms))
    player.sigShown.connect(check)
    player.sigPlayingChanged.connect(check)
    try:
        loop.exec()
    finally:
        player.sigShown.disconnect(check)
        player.sigPlayingChanged.disconnect(check)
        timer.stop()
    return pred()


def pct(values, q):
    """The ``q``-th percentile of ``values`` (nearest rank; NaN when empty)."""
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(q / 100 * (len(v) - 1)))))]
