"""Files written so that a full disk is a message, never a crash or a torn file.

:func:`reserve_space` allocates a whole file first (``posix_fallocate``), so a full disk is
an ENOSPC ``OSError`` before any work is spent on the file, reported and the temporary
file removed. (Writing through a memory map into a sparse file would be worse: a full disk
becomes SIGBUS, "Bus error", and the process, or the app's window, simply vanishes.) The messages name the file and the space needed.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import numpy as np

from .errors import DatasetError
from .store import atomic_write_bytes

NO_SPACE = (errno.ENOSPC, errno.EDQUOT)  # no room, or over a quota


def disk_full_error(path: Path, needed: int, exc: OSError) -> DatasetError:
    """The one-line message for a write that found no room (ENOSPC, or a quota)."""
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        free = None
    text = (f"{path}: not enough disk space to export it ({_size(needed)} needed"
            + (f", {_size(free)} free" if free is not None else "") + "); earlier exports were kept")
    return DatasetError(text)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n < 1e9 else f"{n / 1e9:.2f} GB"


def write_bytes_or_explain(path: Path, data: bytes) -> None:
    """``atomic_write_bytes``, with a full disk reported as a DatasetError naming the file."""
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        if exc.errno in NO_SPACE:
            raise disk_full_error(path, len(data), exc) from exc
        raise


def save_npy_temp(target: Path, array: np.ndarray) -> Path:
    """The array as a finished .npy temporary file beside ``target`` (renamed by the caller)."""
    tmp = temp_name(target)
    try:
        with open(tmp, "wb") as fh:
            np.save(fh, array, allow_pickle=False)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in NO_SPACE:
            raise disk_full_error(target, array.nbytes + 128, exc) from exc
        raise
    return tmp


def reserve_space(path: Path, target: Path) -> None:
    """Allocate every byte of the file now, so writing it can never meet a full disk
    half-way (through a memory map that would be SIGBUS, not an exception)."""
    if not hasattr(os, "posix_fallocate"):  # not on macOS/Windows: no reservation there
        return
    size = path.stat().st_size
    fd = os.open(path, os.O_RDWR)
    try:
        os.posix_fallocate(fd, 0, size)
    except OSError as exc:
        if exc.errno in NO_SPACE:
            raise disk_full_error(target, size, exc) from exc
        if exc.errno not in (errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
            raise
        # A file system without fallocate (glibc emulates it on most): write on regardless.
    finally:
        os.close(fd)


def temp_name(target: Path) -> Path:
    """A hidden temporary name beside ``target``, per process (leftovers: ``.*.part*``)."""
    return target.with_name(f".{target.name}.part{os.getpid()}")
