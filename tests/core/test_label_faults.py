"""Fault injection: two writers on one trailer, killed with SIGKILL at random moments.

Each of 50 rounds forks an app-level editor (``LabelSync`` saving deltas, undoing now and then)
and a CLI importer (``trailer labels import`` through ``cli.main``) on one 200-frame trailer,
and kills one, both or neither with SIGKILL after a random delay. Each writer logs an edit's
cells and values before it saves ("pending") and the revision it got after COMMIT returned
("committed"). After every round the store must hold, in every cell, the value of the last
committed edit of that cell (by revision); only a writer killed between COMMIT and its log line
may have left a newer value, and only in its own cells, in a revision no log line claims.
``PRAGMA integrity_check`` must say ok. Seeded: a failure replays.
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from trailer_gui import cli
from trailer_gui.core.label_sync import LabelSync
from trailer_gui.core.labels_io import write_labels
from trailer_gui.core.store import Project, set_writer

from .test_label_sync import FRAMES, GENRES, add_trailer

ROUNDS = 50
SEED = 20261202
CELLS = FRAMES * len(GENRES)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fork and SIGKILL")


def _log(fd: int, record: dict) -> None:
    os.write(fd, (json.dumps(record) + "\n").encode())  # one write: a line is whole or absent


def editor_writer(folder: str, vid: int, seed: int, log: str, commits: int) -> None:
    set_writer("fault editor")
    rng = np.random.default_rng(seed)
    project = Project.open(folder)
    sync = LabelSync.load(project, vid, "ann")
    ed = sync.editor
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    for i in range(commits):
        for _ in range(int(rng.integers(1, 4))):
            start = int(rng.integers(FRAMES))
            stop = start + int(rng.integers(1, 30))
            ed.paint(int(rng.integers(6)), start, stop, rng.random() < 0.6)
        if rng.random() < 0.25:
            ed.undo()
        cells = np.flatnonzero(ed.unsynced.ravel())
        if not len(cells):
            continue
        values = ed.array.ravel()[cells]
        _log(fd, {"id": i, "cells": cells.tolist(), "values": values.astype(int).tolist()})
        report = sync.save()
        _log(fd, {"id": i, "rev": report.revision if report.wrote else None})
        time.sleep(float(rng.uniform(0.0005, 0.003)))


def import_writer(folder: str, vid: int, seed: int, log: str, commits: int) -> None:
    rng = np.random.default_rng(seed)
    revisions = []
    save_labels = Project.save_labels

    def spy(self, *args, **kwargs):  # the revision cmd_labels' save got
        revisions.append(save_labels(self, *args, **kwargs))
        return revisions[-1]

    Project.save_labels = spy
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    csv = f"{log}.csv"
    for i in range(commits):
        labels = np.zeros((FRAMES, len(GENRES)), bool)
        for _ in range(int(rng.integers(1, 6))):
            start = int(rng.integers(FRAMES))
            labels[start : start + int(rng.integers(1, 60)), int(rng.integers(6))] = True
        write_labels(csv, labels, GENRES)
        values = labels.ravel().astype(int).tolist()
        _log(fd, {"id": i, "cells": list(range(CELLS)), "values": values})
        with contextlib.redirect_stdout(io.StringIO()):
            status = cli.main(["labels", "import", folder, str(vid), csv, "--annotator", "ann"])
        assert status == 0
        _log(fd, {"id": i, "rev": revisions[-1]})
        time.sleep(float(rng.uniform(0.0005, 0.003)))


def read_log(path: Path, killed: bool) -> tuple[list[tuple[int, np.ndarray, np.ndarray]], list]:
    """(committed edits as (revision, cells, values), edits that may or may not have committed)."""
    pending, committed = {}, []
    if not path.exists():
        return committed, []
    for line in path.read_text().splitlines():
        record = json.loads(line)
        if "cells" in record:
            pending[record["id"]] = (np.array(record["cells"]), np.array(record["values"], bool))
        else:
            cells, values = pending.pop(record["id"])
            if record["rev"] is not None:
                committed.append((record["rev"], cells, values))
    assert killed or not pending, f"{path.name}: a writer that was not killed left an edit unlogged"
    return committed, list(pending.values())


def check(folder: Path, vid: int, logs: list[tuple[Path, bool]]) -> None:
    committed, uncertain = [], []
    for path, killed in logs:
        done, maybe = read_log(path, killed)
        committed += done
        uncertain += maybe
    with Project.open(folder) as project:
        assert project.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = project.stored_labels(vid, "ann")
    revs = sorted(rev for rev, _, _ in committed)
    assert len(revs) == len(set(revs)), "two commits got the same revision"
    missing = sorted(set(range(1, stored.revision + 1)) - set(revs))
    assert len(missing) <= len(uncertain), f"revisions {missing} were written by nobody we know"
    expected = np.zeros(CELLS, bool)
    last_rev = np.zeros(CELLS, int)
    for rev, cells, values in sorted(committed, key=lambda c: c[0]):
        expected[cells], last_rev[cells] = values, rev
    actual = stored.labels.ravel()
    wrong = actual != expected
    for cells, values in uncertain:  # may have committed after the newest logged edit of a cell
        if missing:
            may = cells[(last_rev[cells] < missing[-1]) & (actual[cells] == values)]
            wrong[may] = False
    bad = np.flatnonzero(wrong)[:5]
    lost = [divmod(int(c), len(GENRES)) for c in bad]
    assert not lost, f"lost edits at (frame, genre) {lost}"


def test_random_kills_of_two_writers_never_lose_a_committed_edit(tmp_path):
    # Writers fork from a fork server, not from this process: by now the test process may hold
    # other tests' threads (TensorFlow's pools, decoders), and a child forked while one of them
    # held a lock would wait for it forever.  The server preloads this module, so each writer
    # still starts in milliseconds.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    folder = tmp_path / "proj"
    with Project.create(folder) as project:
        vid = add_trailer(project)
    rng = random.Random(SEED)
    logs: list[tuple[Path, bool]] = []
    kills = planned = 0
    for round_ in range(ROUNDS):
        victims = rng.choice([["editor"], ["import"], ["editor", "import"], []])
        writers = {  # a victim writes on and on (it sleeps >= 0.5 ms a commit) until killed
            "editor": (editor_writer, 10_000 if "editor" in victims else rng.randint(1, 8)),
            "import": (import_writer, 10_000 if "import" in victims else rng.randint(1, 3)),
        }
        procs = {}
        for name, (fn, commits) in writers.items():
            log = tmp_path / f"{round_:02d}-{name}.jsonl"
            procs[name] = (ctx.Process(target=fn, args=(str(folder), vid, rng.randrange(2**32),
                                                         str(log), commits)), log)
        for proc, _ in procs.values():
            proc.start()
        planned += len(victims)
        time.sleep(rng.uniform(0, 0.08))
        for name in victims:
            procs[name][0].kill()
        for name, (proc, log) in procs.items():
            proc.join(60)
            killed = proc.exitcode == -9
            assert killed or proc.exitcode == 0, f"round {round_}: {name} exited {proc.exitcode}"
            kills += killed
            logs.append((log, killed))
        check(folder, vid, logs)
    assert kills == planned > ROUNDS // 2  # every victim died by SIGKILL while writing
