"""Inter-rater agreement between two annotators: Cohen's kappa per genre (no Qt).

Each genre is a yes/no decision per frame, so agreement is computed per genre on two boolean
vectors (a frame may carry several genres; genres are not exclusive categories).

For vectors ``a`` and ``b`` of ``n`` frames::

    p_o = fraction of frames where a == b                         (observed agreement)
    p_e = mean(a) * mean(b) + (1 - mean(a)) * (1 - mean(b))       (agreement by chance)
    kappa = (p_o - p_e) / (1 - p_e)

Degenerate cases, decided here once:

* ``p_e == 1`` happens exactly when both annotators gave the genre to *no* frame, or both
  gave it to *every* frame. They then agree on every frame, but kappa (agreement beyond
  chance) is 0/0: there is nothing beyond chance to measure. ``cohen_kappa`` returns
  ``None`` for it (JSON ``null``, never NaN), while the percentage agreement is 1.0, so a
  genre nobody used shows as "kappa undefined, 100 % agreement" instead of a flattering 1.0
  that would also inflate any average of kappas.
* No frames at all (``n == 0``): kappa and agreement are both ``None``.
* One annotator never uses a genre that the other uses: ``p_e == p_o`` and kappa is 0.

Which frames count: :func:`agreement` compares the trailers *both* annotators annotated, that
is the videos where both have stored labels (``Project.annotators(video_id)``); an annotator
who never saved labels for a trailer did not annotate it, even though ``load_labels`` would
return all-False for it. "Pooled" is kappa over the concatenated frames of those trailers
(not an average of per-trailer kappas).
"""

from __future__ import annotations

import math

import numpy as np

from .errors import TrailerError
from .store import Project


def cohen_kappa(a, b) -> float | None:
    """Cohen's kappa of two equally long boolean vectors; ``None`` when it is undefined
    (no frames, or both annotators constant and equal: see the module docstring)."""
    a = np.asarray(a, dtype=bool).ravel()
    b = np.asarray(b, dtype=bool).ravel()
    if a.shape != b.shape:
        raise ValueError(f"cohen_kappa: vectors of different lengths ({a.size} and {b.size})")
    counts = _counts(a, b)
    return _kappa(*counts)


def percent_agreement(a, b) -> float | None:
    """The fraction of frames where both say the same (``None`` for no frames)."""
    a = np.asarray(a, dtype=bool).ravel()
    b = np.asarray(b, dtype=bool).ravel()
    if a.shape != b.shape:
        raise ValueError(f"percent_agreement: vectors of different lengths ({a.size} and {b.size})")
    return float((a == b).mean()) if a.size else None


def _counts(a: np.ndarray, b: np.ndarray) -> tuple[int, int, int, int]:
    """The 2x2 table: (both yes, a only, b only, both no)."""
    yy = int(np.count_nonzero(a & b))
    ya = int(np.count_nonzero(a)) - yy
    yb = int(np.count_nonzero(b)) - yy
    nn = a.size - yy - ya - yb
    return yy, ya, yb, nn


def _kappa(yy: int, ya: int, yb: int, nn: int) -> float | None:
    n = yy + ya + yb + nn
    if n == 0:
        return None
    p_o = (yy + nn) / n
    pa = (yy + ya) / n
    pb = (yy + yb) / n
    p_e = pa * pb + (1 - pa) * (1 - pb)
    # p_e == 1 only when pa == pb in {0, 1} (exact in integers: no float tolerance needed)
    if (yy + ya) == (yy + yb) and (yy + ya) in (0, n):
        return None
    kappa = (p_o - p_e) / (1 - p_e)
    return float(min(1.0, max(-1.0, kappa))) if math.isfinite(kappa) else None


def _entry(counts: tuple[int, int, int, int]) -> dict:
    n = sum(counts)
    return {
        "kappa": _kappa(*counts),
        "agreement": (counts[0] + counts[3]) / n if n else None,
        "frames": n,
    }


def common_videos(project: Project, a: str, b: str) -> list[int]:
    """Ids of the trailers both ``a`` and ``b`` have stored labels for, in id order."""
    return [v.id for v in project.videos() if {a, b} <= set(project.annotators(v.id))]


def agreement(project: Project, a: str, b: str) -> dict:
    """Per-genre kappa, agreement and frame count between annotators ``a`` and ``b``::

        {"genres": {genre: {"kappa": k, "agreement": p, "frames": n}},      # pooled
         "videos": {"<id>": {genre: {"kappa": k, "agreement": p, "frames": n}}}}

    Video ids are strings (as in JSON), only the trailers both annotated appear, and
    ``kappa`` is ``None`` where undefined. The dict is JSON-ready (no NaN).
    """
    genres = project.genre_names()
    pooled = {g: [0, 0, 0, 0] for g in genres}
    videos: dict[str, dict] = {}
    for vid in common_videos(project, a, b):
        la = project.load_labels(vid, a)
        lb = project.load_labels(vid, b)
        per = {}
        for col, genre in enumerate(genres):
            counts = _counts(la[:, col], lb[:, col])
            per[genre] = _entry(counts)
            pooled[genre] = [s + c for s, c in zip(pooled[genre], counts)]
        videos[str(vid)] = per
    return {"genres": {g: _entry(tuple(pooled[g])) for g in genres}, "videos": videos}


def check_annotators(project: Project, *names: str) -> None:
    """Refuse a name that has no labels in the project (a typo, most likely)."""
    known = project.annotators()
    for name in names:
        if name not in known:
            raise TrailerError(
                f"{project.folder}: no labels by annotator {name!r} "
                f"(annotators: {', '.join(known) or 'none yet'})"
            )


def format_table(result: dict, names: dict[str, str] | None = None) -> str:
    """The result as plain text: the pooled table, then one per trailer."""
    def rows(per: dict) -> list[str]:
        out = [f"  {'genre':<12} {'kappa':>7} {'agreement':>10} {'frames':>8}"]
        for genre, m in per.items():
            k = "n/a" if m["kappa"] is None else f"{m['kappa']:.3f}"
            p = "n/a" if m["agreement"] is None else f"{100 * m['agreement']:.1f}%"
            out.append(f"  {genre:<12} {k:>7} {p:>10} {m['frames']:>8}")
        return out

    videos = result["videos"]
    lines = [f"all {len(videos)} trailer{'s' * (len(videos) != 1)} annotated by both (pooled):"]
    lines += rows(result["genres"])
    for vid, per in videos.items():
        name = (names or {}).get(vid)
        lines.append(f"trailer {vid}" + (f" ({name})" if name else "") + ":")
        lines += rows(per)
    return "\n".join(lines)
