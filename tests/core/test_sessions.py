"""Which windows have a project open: live ones count, crashed or silent ones do not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from trailer_gui.core.sessions import SESSIONS_DIR, STALE_S, SessionFile


def test_a_window_sees_the_other_open_ones_and_not_itself(tmp_path):
    first, second = SessionFile(tmp_path), SessionFile(tmp_path, program="trailer-gui 2")
    assert first.register() and second.register()
    assert [s.program for s in first.others()] == ["trailer-gui 2"]
    assert [s.pid for s in second.others()] == [os.getpid()]
    assert second.others()[0].describe().startswith(f"trailer-gui (pid {os.getpid()}, since ")
    second.close()
    assert first.others() == [] and not second.path.exists()


def test_entries_of_dead_processes_and_silent_hosts_are_ignored_and_removed(tmp_path):
    me = SessionFile(tmp_path)
    me.register()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    folder = tmp_path / SESSIONS_DIR
    crashed = folder / f"{me.host}-{dead.pid}-aaaa.json"
    crashed.write_text(json.dumps({"program": "trailer-gui", "pid": dead.pid, "host": me.host,
                                   "started": "then"}))
    elsewhere = folder / "laptop-1-bbbb.json"
    elsewhere.write_text(json.dumps({"program": "trailer-gui", "pid": 1, "host": "laptop",
                                     "started": "then"}))
    silent = folder / "desktop-2-cccc.json"
    silent.write_text(json.dumps({"program": "trailer-gui", "pid": 2, "host": "desktop",
                                  "started": "then"}))
    old = time.time() - STALE_S - 5
    os.utime(silent, (old, old))
    (folder / "half.json").write_text('{"program": ')  # being written right now
    others = me.others()
    assert [(s.host, s.pid) for s in others] == [("laptop", 1)]  # alive elsewhere, heartbeat fresh
    assert not crashed.exists() and not silent.exists()
    os.utime(me.path, (old, old))
    me.heartbeat()
    assert time.time() - me.path.stat().st_mtime < STALE_S


def test_a_project_that_cannot_take_an_entry_still_opens(tmp_path):
    (tmp_path / SESSIONS_DIR).write_text("not a folder")  # as unwritable as a read-only disk
    me = SessionFile(tmp_path)
    assert not me.register() and me.others() == []
    me.heartbeat()
    me.close()
