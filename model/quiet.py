"""Import TensorFlow without the log lines it prints before its logging is set up.

TensorFlow's C++ side writes a few lines to stderr while it loads and first looks for a GPU
("oneDNN custom operations are on", "Could not find cuda drivers", "failed call to cuInit:
UNKNOWN ERROR (303)" on every machine without a GPU...).  They are printed before absl's
logging is initialised, so ``TF_CPP_MIN_LOG_LEVEL`` does not hide them (tensorflow/tensorflow
#100442), and to an annotator an "E ... CUDA error" line reads like a failure.

`import_tensorflow` sends file descriptor 2 to a temporary file for the import and the
device probe, then writes back every line that is not such a notice: real errors and Python
warnings still show.  Setting ``TF_CPP_MIN_LOG_LEVEL`` to 0 or 1 yourself turns the filter
off (you asked for TensorFlow's logs).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading

# absl's pre-initialisation lines: "I0000 00:00:1795884170.837807    1180 port.cc:153] ..."
_ABSL_LINE = re.compile(r"^([IWE])\d{4} \d\d:\d\d:[\d.]+\s+\d+ [\w./-]+:\d+\] (.*)")
# Errors that only say "no GPU here" (everything else at level E is kept).
_NO_GPU = re.compile(r"cuInit|Unable to register cu\w+ factory|cuda drivers", re.I)
_NOISE_PREFIXES = (
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "To enable the following instructions:",  # second line of the CPU-features notice
)
_lock = threading.Lock()


def is_noise(line: str) -> bool:
    """Whether a line of TensorFlow's start-up output is a notice, not a problem."""
    if line.startswith(_NOISE_PREFIXES):
        return True
    m = _ABSL_LINE.match(line)
    if not m:
        return False
    level, text = m.groups()
    return level in "IW" or bool(_NO_GPU.search(text))


def import_tensorflow():
    """``import tensorflow`` (and probe the devices once) with its start-up notices hidden.

    Returns the module.  Safe to call from any thread and more than once."""
    with _lock:
        if "tensorflow" in sys.modules and getattr(import_tensorflow, "_probed", False):
            return sys.modules["tensorflow"]
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        if os.environ["TF_CPP_MIN_LOG_LEVEL"] in ("0", "1"):
            import tensorflow as tf

            import_tensorflow._probed = True
            return tf
        sys.stderr.flush()
        saved = os.dup(2)
        with tempfile.TemporaryFile() as captured:
            os.dup2(captured.fileno(), 2)
            try:
                import tensorflow as tf

                tf.config.list_physical_devices()  # the CUDA probe logs here, once
                import_tensorflow._probed = True
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
                os.close(saved)
                captured.seek(0)
                text = captured.read().decode("utf-8", "replace")
                kept = [line for line in text.splitlines(keepends=True) if not is_noise(line)]
                if kept:
                    os.write(2, "".join(kept).encode())
        return tf


__all__ = ["import_tensorflow", "is_noise"]
