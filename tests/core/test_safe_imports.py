"""An annotator's labels survive the wrong file: empty imports are refused, spreadsheet CSVs
import, and clearing on purpose keeps a backup."""

import sqlite3

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from trailer_gui.cli import main
from trailer_gui.core.errors import LabelFormatError
from trailer_gui.core.labels_io import clear_labels, import_labels, read_labels

from .conftest import write_mp4v

GENRES = ["comedy", "action", "horror", "thriller", "musical", "other"]


@pytest.fixture
def labelled_project(tmp_path):
    """A project with one 12-frame video whose annotator 'ann' labelled action on 2..8."""
    video = write_mp4v(tmp_path / "a.mp4", frames=12)
    proj = tmp_path / "proj"
    assert main(["new", str(proj), str(video)]) == 0
    (tmp_path / "good.csv").write_text("genre,start_frame,end_frame\naction,2,8\n")
    assert main(["labels", "import", str(proj), "0", str(tmp_path / "good.csv"), "--annotator", "ann"]) == 0
    return proj


def stored(proj, annotator="ann"):
    from trailer_gui.core.store import Project

    with Project.open(proj) as p:
        return p.load_labels(0, annotator)


@pytest.mark.parametrize("content", ["", "genre,start_frame,end_frame\n", "\n\n", "\ufeffgenre,start_frame,end_frame\r\n"])
def test_an_empty_or_header_only_csv_is_refused_and_the_labels_stay(labelled_project, tmp_path, capsys, content):
    (tmp_path / "empty.csv").write_text(content, newline="")
    capsys.readouterr()
    code = main(["labels", "import", str(labelled_project), "0", str(tmp_path / "empty.csv"), "--annotator", "ann"])
    err = capsys.readouterr().err
    assert code == 1
    assert "empty.csv" in err and "no labels" in err and "6 labelled frames are kept" in err
    assert "--replace" in err and err.count("\n") == 1
    assert stored(labelled_project)[2:8, 1].all() and stored(labelled_project).sum() == 6


def test_an_all_zero_npy_is_refused_too(labelled_project, tmp_path, capsys):
    np.save(tmp_path / "zeros.npy", np.zeros((6, 1, 12, 1), np.float32))
    assert main(["labels", "import", str(labelled_project), "0", str(tmp_path / "zeros.npy"), "--annotator", "ann"]) == 1
    assert "zeros.npy: no labels" in capsys.readouterr().err
    assert stored(labelled_project).sum() == 6


def test_replace_clears_on_purpose_and_keeps_a_backup(labelled_project, tmp_path, capsys):
    (tmp_path / "empty.csv").write_text("genre,start_frame,end_frame\n")
    assert main(["labels", "import", str(labelled_project), "0", str(tmp_path / "empty.csv"),
                 "--annotator", "ann", "--replace"]) == 0
    assert stored(labelled_project).sum() == 0
    backups = list((labelled_project / "backups").glob("*.sqlite"))
    assert len(backups) == 1
    # the backup still holds the 6 labelled frames
    db = sqlite3.connect(backups[0])
    (n,) = db.execute("SELECT COUNT(*) FROM labels WHERE annotator = 'ann'").fetchone()
    assert n == len(GENRES)
    db.close()


def test_labels_clear_removes_one_annotators_labels_after_a_backup(labelled_project, tmp_path, capsys):
    (tmp_path / "other.csv").write_text("genre,start_frame,end_frame\nhorror,0,3\n")
    assert main(["labels", "import", str(labelled_project), "0", str(tmp_path / "other.csv"), "--annotator", "bob"]) == 0
    capsys.readouterr()
    assert main(["labels", "clear", str(labelled_project), "0", "--annotator", "ann"]) == 0
    out = capsys.readouterr().out
    assert "cleared 6 labelled frames of video 0 (ann)" in out and "backups" in out
    assert stored(labelled_project, "ann").sum() == 0
    assert stored(labelled_project, "bob")[0:3, 2].all()  # another annotator's labels stay
    from trailer_gui.core.store import Project

    with Project.open(labelled_project) as p:  # the same through the API: nothing to back up
        assert clear_labels(p, 0, "ann").backup is None


def test_a_spreadsheet_csv_with_bom_and_crlf_imports(labelled_project, tmp_path, capsys):
    (tmp_path / "excel.csv").write_bytes(
        "\ufeffgenre,start_frame,end_frame\r\nhorror,1,4\r\ncomedy,9,12\r\n".encode("utf-8"))
    capsys.readouterr()
    assert main(["labels", "import", str(labelled_project), "0", str(tmp_path / "excel.csv"), "--annotator", "ann"]) == 0
    assert "imported 6 labelled frames into video 0 (ann), replacing 6" in capsys.readouterr().out
    labels = stored(labelled_project)
    assert labels[1:4, 2].all() and labels[9:12, 0].all() and labels.sum() == 6


def test_semicolon_separated_csv_and_quoted_cells_import(tmp_path):
    (tmp_path / "s.csv").write_bytes(b'\xef\xbb\xbfgenre;start_frame;end_frame\r\n"action";0;2\r\n\r\n')
    labels = read_labels(tmp_path / "s.csv", 5, GENRES)
    assert labels[:, 1].tolist() == [1, 1, 0, 0, 0]


def test_a_bad_row_still_names_its_line(tmp_path):
    (tmp_path / "bad.csv").write_bytes("\ufeffgenre,start_frame,end_frame\r\nwestern,0,2\r\n".encode())
    with pytest.raises(LabelFormatError, match=r"bad.csv:2: unknown genre 'western'"):
        read_labels(tmp_path / "bad.csv", 5, GENRES)


def test_import_api_reports_before_and_after(project_with_videos, tmp_path):
    (tmp_path / "a.csv").write_text("genre,start_frame,end_frame\naction,0,5\n")
    result = import_labels(project_with_videos, 0, tmp_path / "a.csv")
    assert (result.labelled, result.before, result.backup) == (5, 0, None)
    (tmp_path / "none.csv").write_text("")
    with pytest.raises(LabelFormatError, match="5 labelled frames are kept"):
        import_labels(project_with_videos, 0, tmp_path / "none.csv")
    assert project_with_videos.load_labels(0)[:5, 1].all()


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 60), st.integers(0, 2**31), st.booleans(), st.booleans())
def test_what_we_export_imports_back_after_a_spreadsheet_saved_it(tmp_path_factory, frames, seed, bom, crlf):
    """Round trip through a spreadsheet: a BOM and/or CRLF line ends change nothing."""
    from trailer_gui.core.labels_io import write_labels

    labels = np.random.default_rng(seed).random((frames, 6)) < 0.3
    path = tmp_path_factory.mktemp("s") / "labels.csv"
    write_labels(path, labels, GENRES)
    text = path.read_text()
    path.write_bytes((("\ufeff" if bom else "") + (text.replace("\n", "\r\n") if crlf else text)).encode())
    assert np.array_equal(read_labels(path, frames, GENRES), labels)
