"""`trailer relink / remove`: when a trailer's video moves, is replaced, or must go."""

from __future__ import annotations

from .common import open_project, progress_bar


def cmd_relink(args):
    from ..core.relink import relink_video

    project = open_project(args.project)
    result = relink_video(project, args.id, args.path, force=args.force, progress=progress_bar())
    print(f"relinked {result.summary}")
    return 0


def cmd_remove(args):
    from ..core.relink import remove_video

    project = open_project(args.project)
    result = remove_video(project, args.id)
    kept = ", ".join(f"{who}: {n}" for who, n in sorted(result.labelled.items()))
    print(f"removed video {result.video.id} ({result.video.name})"
          + (f"; its labelled frames ({kept}) are kept in the backup" if kept else "")
          + f" {result.backup}")
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("relink", help="point a trailer at its video file after it moved or changed")
    p.add_argument("project")
    p.add_argument("id", type=int)
    p.add_argument("path", help="the video file (same number of frames: every label is kept)")
    p.add_argument("--force", action="store_true",
                   help="accept another number of frames: labels are cut or padded (after a backup)")
    p.set_defaults(func=cmd_relink)

    p = sub.add_parser("remove", help="remove a trailer (a backup of the project keeps its labels)")
    p.add_argument("project")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_remove)
