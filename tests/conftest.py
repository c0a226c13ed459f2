import os

# Qt tests run offscreen; set before any Qt import.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Video scans are cached on disk between runs; tests keep theirs apart from the user's.
import tempfile  # noqa: E402

os.environ.setdefault("TRAILER_GUI_CACHE", tempfile.mkdtemp(prefix="trailer-gui-cache-"))
