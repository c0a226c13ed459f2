"""The names of a project's database and folders: the one place they are spelled.

A project is a folder holding its database, ``project.sqlite`` (``DB_NAME``), and these:

``dataset/``      the exported ``.npy`` files training reads (``core.export``)
``models/``       one folder per training run (``services.training``; its files are named by
                  ``model/files.py``, the model package's own home)
``predictions/``  published predictions, latest and per run (``services.predictions``)
``videos/``       where trailers are suggested (Add videos) and the demo writes its own
``proxies/``      small all-intra copies for scrubbing and their thumbnails (``core.proxy``)
``backups/``      copies of the database (``core.backup``, ``core.safety_backup``)

Everything joins these names, never a literal, so that a rename or a check (``trailer check``,
removing a trailer's files) cannot miss a place.
"""

from __future__ import annotations

DB_NAME = "project.sqlite"

DATASET_DIR = "dataset"
MODELS_DIR = "models"
PREDICTIONS_DIR = "predictions"
VIDEOS_DIR = "videos"
PROXY_DIR = "proxies"
BACKUP_DIR = "backups"

# predictions/[<run>/]pred_<video id>.npy and .json, and labels_<video id>.npy beside them
# (the run's decoded segments)
PREDICTION_PREFIX = "pred_"
DECODED_LABELS_PREFIX = "labels_"

SUBFOLDERS = (DATASET_DIR, MODELS_DIR, PREDICTIONS_DIR, VIDEOS_DIR)  # made with the project


def prediction_file(video_id: int, suffix: str = ".npy") -> str:
    """The name of a trailer's prediction file (``suffix`` ".npy": probabilities, ".json":
    what made them)."""
    return f"{PREDICTION_PREFIX}{video_id}{suffix}"


def prediction_files(video_id: int) -> tuple[str, ...]:
    """Every file a trailer's prediction is made of, in one predictions folder."""
    return (prediction_file(video_id), prediction_file(video_id, ".json"),
            f"{DECODED_LABELS_PREFIX}{video_id}.npy")
