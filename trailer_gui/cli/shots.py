"""`trailer shots PROJECT ID [--json]`: a video's shot cuts (detected and stored if missing)."""

from __future__ import annotations

import json
import sys

from .common import open_project, progress_bar


def cmd_shots(args) -> int:
    from ..core.shots import ensure_cuts

    project = open_project(args.project)
    video = project.video(args.id)  # ProjectError (exit 1) for an unknown id
    progress = progress_bar()

    def step(done, total):
        progress.update(done, total, f"Detecting shots in {video.name}")

    cuts = ensure_cuts(project, video.id, step)  # decodes only if none are stored
    if args.json:
        print(json.dumps({"cuts": cuts}))
    else:
        for c in cuts:
            print(c)
        print(f"{video.name}: {len(cuts) + 1} shots, {len(cuts)} cuts", file=sys.stderr)
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser(
        "shots",
        help="print a video's shot cuts (first frame of each shot after the first)",
        description="Print the first frame of each shot after the first, one per line "
                    "(--json: {\"cuts\": [...]}). Cuts are detected when a video is added; "
                    "for a video added before, they are detected now and stored.",
    )
    p.add_argument("project")
    p.add_argument("id", type=int)
    p.add_argument("--json", action="store_true", help='print {"cuts": [frame, ...]}')
    p.set_defaults(func=cmd_shots)
