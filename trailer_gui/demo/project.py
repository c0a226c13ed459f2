"""The demo project: synthetic trailers whose scenes look and move by genre.

All but the last two trailers get their true labels under the annotator ``ground-truth``
(the project's annotator, so export and training use them); the last two stay unlabelled,
for predictions to show on.

The videos are MPEG-4 written by OpenCV; with ``sound=True`` (what `trailer demo` and the
app's demo do) each also gets a soundtrack whose sound depends on the scene's genres, added
by copying OpenCV's video packets unchanged next to an AAC stream (+0.3 s a trailer).
"""

from __future__ import annotations

from pathlib import Path

from ..core.progress import Progress
from ..core.project_layout import VIDEOS_DIR
from ..core.store import Project

GROUND_TRUTH = "ground-truth"
UNLABELLED = 2
DEMO_SIZE = (240, 426)  # rows, cols: 16:9, small enough to render the default demo in seconds
DEMO_FPS = 24.0


def make_demo(
    folder: str | Path,
    trailers: int = 8,
    seconds: float = 20.0,
    seed: int = 0,
    progress: Progress | None = None,
    size: tuple[int, int] = DEMO_SIZE,
    sound: bool = False,
) -> Project:
    from . import synth

    if trailers < 1 or seconds <= 0:
        raise ValueError("a demo needs at least one trailer of more than 0 seconds")
    progress = progress or Progress()
    project = Project.create(folder)
    project.set_setting("annotator", GROUND_TRUTH)
    project.set_setting("demo", "1")
    total_frames = int(round(seconds * DEMO_FPS)) * trailers
    done = 0
    for n in range(trailers):
        path = project.folder / VIDEOS_DIR / f"demo_trailer_{n:02d}.mp4"
        base = done

        def step(k, _total=None, _base=base, _n=n):
            progress.update(_base + k, total_frames, f"Making demo trailer {_n + 1}/{trailers}")

        labels = synth.write_trailer(
            path, seed=seed * 1000 + n, seconds=seconds, fps=DEMO_FPS, size=size, progress=step,
            audio=sound,
        )
        done += len(labels)
        video = project.add_video(path)
        if n < trailers - UNLABELLED or trailers <= UNLABELLED:
            project.save_labels(video.id, labels[: video.frames], annotator=GROUND_TRUTH)
    progress.update(total_frames, total_frames, "Demo ready")
    return project
