"""`trailer new / add / info / demo / export / labels`: making and filling a project."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .annotators import add_label_source_options, label_spec
from .common import open_project, progress_bar, warn


def _add_videos(project, paths) -> int:
    from ..services.project_jobs import add_to_project

    result = add_to_project(project, paths)  # the GUI's rule: what it refuses, so does this
    for path, why in result.refused:
        print(f"trailer: skipped {path}: {why}", file=sys.stderr)
    for vid in result.added:
        v = project.video(vid)
        print(f"added {v.id}: {v.path.name} ({v.frames} frames, {v.fps:g} fps, {v.width}x{v.height})")
    return 1 if result.refused else 0


def cmd_new(args):
    from ..core.store import Project

    project = Project.create(args.project)
    print(f"created project {project.folder}")
    return _add_videos(project, args.videos)


def cmd_add(args):
    return _add_videos(open_project(args.project), args.videos)


def cmd_info(args):
    project = open_project(args.project)
    genres = project.genre_names()
    videos = []
    from ..core.relink import availability

    for v in project.videos():
        videos.append({
            "id": v.id, "path": str(v.path), "frames": v.frames, "fps": v.fps,
            "width": v.width, "height": v.height, "has_audio": bool(v.has_audio),
            "labelled_frames": project.labelled_frames(v.id),
            "problem": availability(v),  # "" or e.g. "file not found" (see trailer relink)
        })
    if args.json:
        print(json.dumps({"project": str(project.folder), "genres": genres, "videos": videos}, indent=1))
        return 0
    print(f"project  {project.folder}")
    print(f"genres   {', '.join(genres)}")
    print(f"annotator {project.annotator}")
    print(f"{len(videos)} videos")
    width = max([len(Path(v['path']).name) for v in videos] + [4])
    for v in videos:
        counts = " ".join(f"{g}:{n}" for g, n in v["labelled_frames"].items() if n)
        print(f"  {v['id']:>3}  {Path(v['path']).name:<{width}}  {v['frames']:>6} frames "
              f"{v['fps']:>6.2f} fps  {v['width']}x{v['height']}{'  sound' if v['has_audio'] else ''}"
              f"  {counts or 'unlabelled'}"
              + (f"  [{v['problem'].upper()}: trailer relink]" if v["problem"] else ""))
    return 0


def cmd_demo(args):
    from ..demo.project import make_demo

    progress = progress_bar()
    project = make_demo(args.project, trailers=args.trailers, seconds=args.seconds,
                        seed=args.seed, progress=progress, sound=args.sound)
    print(f"demo project with {args.trailers} trailers in {project.folder}")
    return 0


def cmd_export(args):
    from ..core.export import ExportSettings, export_dataset, parse_size
    from ..services.training import export_settings

    project = open_project(args.project)
    # Without --size/--stride: the project's settings (`trailer config`), as training uses.
    stored = export_settings(project)
    size = parse_size(args.size) if args.size else stored.size
    stride = args.stride if args.stride is not None else stored.stride
    settings = ExportSettings(size, stride, label_spec(args, project),
                              from_proxy=getattr(args, "from_proxy", False),
                              scale_in_decoder=args.scale_in_decoder)
    report = export_dataset(project, settings, ids=args.ids, progress=progress_bar(), warn=warn,
                            out=args.out)
    print(report.summary())
    return 0


def cmd_labels(args):
    from ..core.labels_io import clear_labels, import_labels, write_labels

    project = open_project(args.project)
    video = project.video(args.id)
    who = args.annotator or project.annotator
    if args.action == "import":
        result = import_labels(project, video.id, args.file, annotator=args.annotator,
                               replace=args.replace)
        print(f"imported {result.labelled} labelled frames into video {video.id} ({who})"
              + (f", replacing {result.before}" if result.before else ""))
    elif args.action == "clear":
        result = clear_labels(project, video.id, annotator=args.annotator)
        print(f"cleared {result.before} labelled frames of video {video.id} ({who})"
              + (f"; backup: {result.backup}" if result.backup else ""))
    else:
        write_labels(args.file, project.load_labels(video.id, args.annotator), project.genre_names())
        print(f"wrote {args.file}")
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("new", help="create a project and add videos")
    p.add_argument("project")
    p.add_argument("videos", nargs="*")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("add", help="add videos to a project")
    p.add_argument("project")
    p.add_argument("videos", nargs="+")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("info", help="show a project's genres and videos")
    p.add_argument("project")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("demo", help="make a demo project of synthetic trailers")
    p.add_argument("project")
    p.add_argument("--trailers", type=int, default=8)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-sound", dest="sound", action="store_false",
                   help="no soundtrack (the videos are then exactly OpenCV's MPEG-4 files)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("export", help="write dataset/scene_{id}.npy and category_{id}.npy")
    p.add_argument("project")
    p.add_argument("--size", help="64 or ROWSxCOLS (default: the project's size, see "
                   "`trailer config`; 64 before any)")
    p.add_argument("--stride", type=int, help="take every Nth source frame (default: the project's)")
    p.add_argument("--ids", type=int, nargs="+", metavar="ID")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="write the dataset there instead of PROJECT/dataset (e.g. from a "
                        "read-only project)")
    p.add_argument("--scale-in-decoder", action="store_true",
                   help="let the decoder shrink each frame while converting it (PyAV) instead "
                        "of OpenCV's full-size decode and area shrink: about 30 %% less CPU "
                        "at 1080p; pixels differ slightly (mean about 1 level of 255)")
    add_label_source_options(p)  # --annotator NAME | --union A B... | --majority A B...
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("labels", help="import or export one video's labels (.npy or .csv)")
    lsub = p.add_subparsers(dest="action", required=True)
    for action, text in (("import", "replace the labels with those of FILE"),
                         ("export", "write labels to FILE"),
                         ("clear", "remove the labels (a backup is kept in backups/)")):
        q = lsub.add_parser(action, help=text)
        q.add_argument("project")
        q.add_argument("id", type=int)
        if action != "clear":
            q.add_argument("file")
        q.add_argument("--annotator", help="whose labels (default: the project's annotator)")
        if action == "import":
            q.add_argument("--replace", action="store_true",
                           help="accept a file without labels: clears the trailer's labels")
        q.set_defaults(func=cmd_labels)
