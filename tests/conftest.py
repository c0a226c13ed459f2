import os

# Qt tests run offscreen; set before any Qt import.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Video scans are cached on disk between runs; tests keep theirs apart from the user's.
import tempfile  # noqa: E402

os.environ.setdefault("TRAILER_GUI_CACHE", tempfile.mkdtemp(prefix="trailer-gui-cache-"))


import pytest  # noqa: E402


@pytest.fixture
def pretend_read_only(monkeypatch):
    """``pretend_read_only(folder)``: from now on ``os.access`` says ``folder`` and everything
    under it cannot be written, as on a read-only share (tests run as root, where chmod
    would not stop writes)."""

    def pretend(folder):
        real_access = os.access
        prefix = str(folder)

        def access(path, mode, *a, **kw):
            if mode & os.W_OK and str(path).startswith(prefix):
                return False
            return real_access(path, mode, *a, **kw)

        monkeypatch.setattr(os, "access", access)

    return pretend
