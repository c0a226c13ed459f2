"""Run-folder files: atomic writes and JSON without NaN (no TensorFlow here).

A run folder (PROJECT/models/<run>/) holds model.keras, config.json, history.json and
metrics.json.  Each is written to a temporary file in the same folder and moved into place
with os.replace, so a reader (the GUI) never sees half a file.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .errors import ModelRunError

MODEL_FILE = "model.keras"
CONFIG_FILE = "config.json"
HISTORY_FILE = "history.json"
METRICS_FILE = "metrics.json"
RUN_FILES = (MODEL_FILE, CONFIG_FILE, HISTORY_FILE, METRICS_FILE)


def to_jsonable(obj):
    """NaN/inf -> None, numpy scalars/arrays -> Python, tuples -> lists, Paths -> str."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_json_atomic(path, data) -> None:
    text = json.dumps(to_jsonable(data), indent=2, allow_nan=False)
    write_text_atomic(path, text + "\n")


def write_text_atomic(path, text: str) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


def save_model_atomic(model, path) -> None:
    """model.save to a temporary .keras file beside `path`, then os.replace."""
    path = Path(path)
    # Keras insists on the .keras suffix, so the temporary name ends with it too.
    fd, tmp = tempfile.mkstemp(prefix=".model.", suffix=".tmp.keras", dir=path.parent)
    os.close(fd)
    try:
        model.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


def _unlink(path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def read_json(path, what="file"):
    path = Path(path)
    if not path.is_file():
        raise ModelRunError(f"{path}: missing {what}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelRunError(f"{path}: not readable JSON ({exc})") from None


def read_run_config(run_dir) -> dict:
    """config.json of a run folder (train config, model options, genres, split...)."""
    data = read_json(Path(run_dir) / CONFIG_FILE, "run config")
    if not isinstance(data, dict) or "genres" not in data or "model" not in data:
        raise ModelRunError(f"{Path(run_dir) / CONFIG_FILE}: not a model run config")
    return data


def read_history(run_dir) -> list:
    path = Path(run_dir) / HISTORY_FILE
    if not path.exists():
        return []
    data = read_json(path, "history")
    if not isinstance(data, list):
        raise ModelRunError(f"{path}: history must be a list of epochs")
    return data


def check_run(run_dir) -> str | None:
    """None if the run folder looks loadable, else one line naming the file and what is wrong.

    Cheap and without TensorFlow: config.json parses as a run config, and model.keras is a
    whole zip archive (every member's CRC checked) with the model's config.json inside. A run
    that passes can still fail to build in Keras, but a torn, truncated or foreign file is
    named here before anyone tries to load it.
    """
    run_dir = Path(run_dir)
    try:
        read_run_config(run_dir)
    except ModelRunError as exc:
        return str(exc)
    model = run_dir / MODEL_FILE
    if not model.is_file():
        return f"{model}: missing (the run did not finish)"
    try:
        with zipfile.ZipFile(model) as archive:
            if "config.json" not in archive.namelist():
                return f"{model}: not a Keras model archive (no config.json inside)"
            bad = archive.testzip()
            if bad is not None:
                return f"{model}: damaged ({bad} fails its checksum)"
    except zipfile.BadZipFile:
        return f"{model}: damaged (not a complete zip archive)"
    except (OSError, EOFError, zlib.error, zipfile.LargeZipFile, NotImplementedError) as exc:
        return f"{model}: cannot be read ({exc})"
    return None
