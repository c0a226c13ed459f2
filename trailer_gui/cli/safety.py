"""``trailer check | backup | backups | restore``: a project's health, its backups, and
putting one back (see ``core.backup`` and ``services.check``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def cmd_check(args) -> int:
    from ..services.check import check_project

    problems = check_project(args.project)
    if args.json:
        print(json.dumps({"project": str(Path(args.project).resolve()), "ok": not problems,
                          "problems": [p.as_dict() for p in problems]}, indent=1))
    else:
        for p in problems:
            print(p.text)
        if not problems:
            print(f"{args.project}: ok (store, videos, exports and model runs)", file=sys.stderr)
    return 1 if problems else 0


def cmd_backup(args) -> int:
    from ..core.backup import take_backup

    result = take_backup(args.project, keep=args.keep)
    what = "backed up to" if result.created else "unchanged since"
    print(f"{what} {result.path}")
    for old in result.removed:
        print(f"removed the oldest backup {old.name}", file=sys.stderr)
    return 0


def cmd_backups(args) -> int:
    from ..core.backup import backup_problem, list_backups

    backups = list_backups(args.project)
    rows = []
    for b in backups:
        problem = backup_problem(b.path)
        rows.append({"name": b.name, "path": str(b.path), "time": b.time.isoformat(),
                     "bytes": b.path.stat().st_size, "ok": problem is None, "problem": problem})
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    if not rows:
        print(f"{args.project}: no backups yet", file=sys.stderr)
    for r, b in zip(rows, backups):
        state = "ok" if r["ok"] else f"DAMAGED ({r['problem']})"
        print(f"{r['name']}  {b.local_time}  {r['bytes']:>9} bytes  {state}")
    return 0


def cmd_restore(args) -> int:
    from ..core.backup import restore_backup

    result = restore_backup(args.project, args.backup)
    for path in result.kept_aside:
        print(f"kept {'the damaged' if result.was_damaged else 'the previous'} file as {path}",
              file=sys.stderr)
    print(f"restored {result.backup.name} as {Path(args.project) / 'project.sqlite'}")
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser(
        "check", help="check the store, videos, exports and model runs; one line per problem",
        description="Check a project without changing it: the store's integrity, missing or "
                    "changed videos, exports whose files are missing or whose labels changed "
                    "since, and model runs that cannot be read. One line per problem; exit 1 "
                    "if there is any.")
    p.add_argument("project")
    p.add_argument("--json", action="store_true",
                   help='print {"ok": ..., "problems": [{"kind", "path", "text"}, ...]}')
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("backup", help="back up project.sqlite now (into PROJECT/backups/)")
    p.add_argument("project")
    p.add_argument("--keep", type=int, default=10, help="backups kept (default 10)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("backups", help="list a project's backups, newest first, checked")
    p.add_argument("project")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_backups)

    p = sub.add_parser(
        "restore", help="put a backup back as project.sqlite (the current file is kept aside)",
        description="Put the newest good backup (or BACKUP: a name in PROJECT/backups/ or a "
                    "path) back as project.sqlite. The current file and its -wal/-shm are "
                    "renamed project.sqlite.damaged-TIME (or .replaced-TIME), never deleted. "
                    "A healthy store that another program (the app) has open is not replaced.")
    p.add_argument("project")
    p.add_argument("backup", nargs="?", help="backup to restore (default: the newest good one)")
    p.set_defaults(func=cmd_restore)
