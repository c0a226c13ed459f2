"""Small synthetic trailers whose per-frame genres are visible patterns.

Each trailer is a run of "shots" (6-20 frames) on a noisy background of the shot's colour.
A shot carries 0-2 genres; each genre draws its own pattern, so several can show at once:
    comedy: red top-left quadrant      action: green top-right quadrant
    horror: blue bottom-left quadrant  thriller: yellow bottom-right quadrant
    musical: white stripe across the middle rows
    other: a white vertical bar moving across the frame
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

GENRES = ["comedy", "action", "horror", "thriller", "musical", "other"]


def make_trailer(rng, frames, size=24, n_genres=6, cover_all=False):
    """cover_all: the first shots show each genre alone, so every genre occurs."""
    scene = np.zeros((frames, 3, size, size), np.uint8)
    labels = np.zeros((n_genres, frames), np.float32)
    h = size // 2
    t = 0
    forced = list(range(n_genres)) if cover_all else []
    while t < frames:
        length = int(rng.integers(6, 21))
        if forced:
            shot = np.array([forced.pop(0)])
        else:
            k = int(rng.choice([0, 1, 1, 1, 2]))
            shot = rng.choice(n_genres, size=k, replace=False)
        base = rng.integers(20, 90, size=3)
        for f in range(t, min(t + length, frames)):
            img = base[:, None, None] + rng.integers(0, 40, (3, size, size))
            if 0 in shot:
                img[0, :h, :h] = 235
            if 1 in shot:
                img[1, :h, h:] = 235
            if 2 in shot:
                img[2, h:, :h] = 235
            if 3 in shot:
                img[:2, h:, h:] = 235
            if 4 in shot:
                img[:, h - 2 : h + 2, :] = 250
            if 5 in shot:
                x = (f * 3) % (size - 2)
                img[:, :, x : x + 2] = 250
            scene[f] = np.clip(img, 0, 255)
            labels[shot, f] = 1.0
        t += length
    category = labels[:, None, :, None].copy()
    return scene, category


def write_dataset(folder, lengths, size=24, seed=0, manifest=True, labelled=None, stride=1,
                  cover_all=()):
    """Write scene_{i}.npy / category_{i}.npy (+ manifest.json) for trailers of `lengths`.

    labelled: optional {id: bool} for the manifest (default: True for all).
    cover_all: ids of trailers that must show every genre.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    entries = []
    for i, n in enumerate(lengths):
        scene, category = make_trailer(rng, n, size, cover_all=i in cover_all)
        np.save(folder / f"scene_{i}.npy", scene)
        np.save(folder / f"category_{i}.npy", category)
        entries.append({
            "id": i, "video": f"videos/t{i}.mp4", "frames": n, "source_frames": n * stride,
            "source_indices": None, "fps": 24.0,
            "labelled": True if labelled is None else bool(labelled.get(i, True)),
        })
    if manifest:
        (folder / "manifest.json").write_text(json.dumps({
            "version": 1, "genres": GENRES, "size": [size, size], "stride": stride,
            "annotator": "test", "created": "2024-01-01T00:00:00", "trailers": entries,
        }))
    return folder
