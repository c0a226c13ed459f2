"""An app-level label editor in a process of its own, driven line by line over stdin/stdout.

``python -m tests.core.label_writer PROJECT VIDEO_ID ANNOTATOR`` loads the trailer's labels
into a ``LabelEditor`` synced by ``LabelSync`` (as the app's window does) and answers each JSON
command with one JSON line:

    {"op": "paint", "genre": "action", "start": 0, "stop": 21, "on": true}  -> {"ok": true}
    {"op": "undo"}                                                            -> {"ok": true}
    {"op": "save"} / {"op": "pull"}  -> {"ok": true, "revision": 3, "message": "...",
                                         "conflicts": [[frame, genre], ...]}
    {"op": "quit"}

Tests use it to make two real processes write one trailer in an order they choose.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from trailer_gui.core.label_sync import LabelSync
from trailer_gui.core.store import Project, set_writer


def _report(report, genres) -> dict:
    if report is None:
        return {"ok": True, "revision": None, "message": None, "conflicts": [], "theirs": []}
    return {
        "ok": True,
        "revision": report.revision,
        "message": report.message(genres),
        "conflicts": np.argwhere(report.conflicts).tolist(),
        "theirs": np.argwhere(report.theirs).tolist(),
    }


def main(argv: list[str]) -> int:
    folder, video_id, annotator = argv[0], int(argv[1]), argv[2]
    set_writer(f"editor {annotator}")
    project = Project.open(folder)
    sync = LabelSync.load(project, video_id, annotator)
    ed = sync.editor
    print(json.dumps({"ok": True, "ready": True, "revision": sync.revision}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        op = cmd["op"]
        if op == "paint":
            ed.paint(cmd["genre"], cmd["start"], cmd["stop"], cmd.get("on", True))
            out = {"ok": True}
        elif op == "undo":
            ed.undo()
            out = {"ok": True}
        elif op == "save":
            out = _report(sync.save(), ed.genres)
        elif op == "pull":
            out = _report(sync.pull(), ed.genres)
        elif op == "quit":
            break
        else:
            out = {"ok": False, "error": f"unknown op {op!r}"}
        print(json.dumps(out), flush=True)
    project.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
