"""`trailer proxy PROJECT [ID...] [--force]`: make the videos' proxies (``core.proxy``) now.

Videos whose proxy is usable are skipped (``--force`` remakes them); missing, stale (the video
changed) and broken ones are made. Prints one line per video; a video that cannot be read is
reported on stderr and the others are still made (exit 1 at the end).
"""

from __future__ import annotations

import sys
import time

from .common import open_project, progress_bar


def cmd_proxy(args) -> int:
    from ..core.errors import VideoError
    from ..core.proxy import make_proxy, proxy_state

    project = open_project(args.project)
    videos = [project.video(i) for i in args.ids] if args.ids else project.videos()
    progress = progress_bar()
    failed = 0
    for video in videos:
        state = proxy_state(project.folder, video)
        if state.ok and not args.force:
            print(f"{video.id}: {video.name}: proxy up to date ({_mib(state.path)})")
            continue

        def step(done, total, name=video.name):
            progress.update(done, total, f"Proxy of {name}")

        t0 = time.monotonic()
        try:
            path = make_proxy(project.folder, video, step)
        except VideoError as exc:
            print(f"trailer: {video.id}: {exc}", file=sys.stderr)
            failed += 1
            continue
        if path is None:
            print(f"trailer: {video.id}: {video.name}: the proxy could not be written",
                  file=sys.stderr)
            failed += 1
            continue
        took = time.monotonic() - t0
        why = f" (was {state.state}{': ' + state.why if state.why else ''})"
        share = path.stat().st_size / max(1, video.path.stat().st_size)
        print(f"{video.id}: {video.name}: proxy made in {took:.1f} s, {_mib(path)}, "
              f"{share:.0%} of the video{why if not state.ok else ''}")
    return 1 if failed else 0


def _mib(path) -> str:
    return f"{path.stat().st_size / 2**20:.1f} MiB"


def add_commands(sub) -> None:
    p = sub.add_parser(
        "proxy",
        help="make the videos' proxies (small all-intra copies used for scrubbing)",
        description="Make the proxy of each video (all of them, or the ids given) in the "
                    "project's proxies/ folder: missing, stale and broken ones are made, "
                    "usable ones kept (--force: made again).",
    )
    p.add_argument("project")
    p.add_argument("ids", nargs="*", type=int, metavar="ID")
    p.add_argument("--force", action="store_true", help="remake usable proxies too")
    p.set_defaults(func=cmd_proxy)
    export = sub.choices.get("export")  # `trailer export --from-proxy` (kept here: #14)
    if export is not None:
        export.add_argument(
            "--from-proxy", action="store_true",
            help="decode the videos' proxies instead of the sources where they are usable and "
                 "at least as large as --size (several times faster; pixels differ slightly)")
