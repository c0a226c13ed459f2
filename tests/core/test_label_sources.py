"""Label sources: one annotator, a union or a majority, for export and training."""

import json

import numpy as np
import pytest

from trailer_gui.cli import main
from trailer_gui.core.export import ExportSettings, export_dataset, read_manifest
from trailer_gui.core.label_sources import (
    LabelSource,
    LabelSourceError,
    canonical_spec,
    check_annotator_name,
    parse_source,
    resolve_labels,
)
from trailer_gui.services.training import export_settings


def test_parse_specs():
    assert parse_source("alice") == LabelSource("annotator", ("alice",))
    assert parse_source(None, default="ground-truth").spec == "ground-truth"
    assert parse_source("union:bob, alice").spec == "union:alice,bob"
    assert canonical_spec("majority:c,a,b,a") == "majority:a,b,c"  # sorted, no duplicates
    assert parse_source("majority:a,b,c").describe() == "majority of a, b, c"
    for bad in ("union:", "majority: , ", ""):
        with pytest.raises(LabelSourceError):
            parse_source(bad)
    with pytest.raises(ValueError):  # a LabelSourceError is a ValueError and a TrailerError
        LabelSource("sum", ("a",))
    assert parse_source("Smith, J.").names == ("Smith, J.",)  # one name may hold a comma
    assert check_annotator_name("  bob ") == "bob"
    for bad in ("", "a,b", "union:x", "majority:y"):  # a new name must fit in a list
        with pytest.raises(LabelSourceError):
            check_annotator_name(bad)


@pytest.fixture
def three(project_with_videos):
    """Video 0 (30 frames): a, b, c each label comedy on a different stretch; d labelled
    only video 1 (20 frames)."""
    proj = project_with_videos
    labels = {}
    for name, (lo, hi) in {"a": (0, 10), "b": (5, 15), "c": (8, 20)}.items():
        arr = np.zeros((30, 6), bool)
        arr[lo:hi, 0] = True
        proj.save_labels(0, arr, name)
        labels[name] = arr
    d = np.zeros((20, 6), bool)
    d[0:4, 2] = True
    proj.save_labels(1, d, "d")
    return proj, labels


def frames_of(arr, col=0):
    return np.flatnonzero(arr[:, col]).tolist()


def test_union_and_majority(three):
    proj, lab = three
    assert np.array_equal(resolve_labels(proj, 0, "b"), lab["b"])
    assert frames_of(resolve_labels(proj, 0, "union:a,b,c")) == list(range(0, 20))
    # votes: 0-4 a; 5-7 a b; 8-9 a b c; 10-14 b c; 15-19 c -> two of three from 5 to 14
    assert frames_of(resolve_labels(proj, 0, "majority:a,b,c")) == list(range(5, 15))


def test_a_majority_tie_is_no(three):
    proj, _ = three
    # two voters: a frame needs both (more than half); a 1-1 tie stays unlabelled
    assert frames_of(resolve_labels(proj, 0, "majority:a,b")) == list(range(5, 10))


def test_annotators_who_did_not_label_a_trailer_abstain(three):
    proj, lab = three
    # d never labelled video 0: the majority of a, b, c, d there is that of a, b, c
    assert np.array_equal(resolve_labels(proj, 0, "majority:a,b,c,d"),
                          resolve_labels(proj, 0, "majority:a,b,c"))
    # on video 1 only d labelled: d's labels are the majority and the union
    assert frames_of(resolve_labels(proj, 1, "majority:a,d"), 2) == [0, 1, 2, 3]
    # nobody listed labelled it: no labels
    assert not resolve_labels(proj, 1, "union:a,b").any()


def test_export_with_a_majority_records_the_source_and_keeps_scenes(three):
    proj, _ = three
    out = proj.folder / "dataset"
    first = export_dataset(proj, ExportSettings(size=(8, 8), annotator="a"))
    assert sorted(first.written) == [0, 1]
    scene_mtime = (out / "scene_0.npy").stat().st_mtime_ns
    second = export_dataset(proj, ExportSettings(size=(8, 8), annotator="majority:c,b,a"))
    # another label source: only categories are rewritten, scenes stay
    assert sorted(second.relabelled) == [0, 1] and not second.written
    assert (out / "scene_0.npy").stat().st_mtime_ns == scene_mtime
    manifest = read_manifest(out)
    assert manifest["annotator"] == "majority:a,b,c"
    category = np.load(out / "category_0.npy")
    assert np.flatnonzero(category[0, 0, :, 0]).tolist() == list(range(5, 15))
    # the same source again: nothing to do; the incremental keys include the source
    assert sorted(export_dataset(proj, ExportSettings(size=(8, 8), annotator="majority:a,b,c")).skipped) == [0, 1]
    # training exports with the last export's label source
    assert export_settings(proj).annotator == "majority:a,b,c"


def test_another_source_for_some_trailers_drops_the_others(three):
    proj, _ = three
    out = proj.folder / "dataset"
    export_dataset(proj, ExportSettings(size=(8, 8), annotator="a"))
    report = export_dataset(proj, ExportSettings(size=(8, 8), annotator="union:a,b"), ids=[0])
    assert report.relabelled == [0]
    manifest = read_manifest(out)
    assert [t["id"] for t in manifest["trailers"]] == [0]  # never a mix of two sources
    assert not (out / "scene_1.npy").exists() and not (out / "category_1.npy").exists()


def test_cli_export_union_and_majority(three, capsys):
    proj, _ = three
    folder = str(proj.folder)
    out = proj.folder / "dataset"
    assert main(["export", folder, "--size", "8", "--union", "a", "b", "c"]) == 0
    assert read_manifest(out)["annotator"] == "union:a,b,c"
    assert np.flatnonzero(np.load(out / "category_0.npy")[0, 0, :, 0]).tolist() == list(range(20))
    assert main(["export", folder, "--size", "8", "--majority", "a", "b", "c"]) == 0
    assert read_manifest(out)["annotator"] == "majority:a,b,c"
    assert np.flatnonzero(np.load(out / "category_0.npy")[0, 0, :, 0]).tolist() == list(range(5, 15))
    assert main(["export", folder, "--size", "8", "--annotator", "b"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["annotator"] == "b"
    assert np.flatnonzero(np.load(out / "category_0.npy")[0, 0, :, 0]).tolist() == list(range(5, 15))
    capsys.readouterr()
    # a name with no labels is exported (as no labels) with a warning naming it
    assert main(["export", folder, "--size", "8", "--union", "a", "zed"]) == 0
    assert "no labels by zed" in capsys.readouterr().err
    # the three options exclude each other
    with pytest.raises(SystemExit) as exc:
        main(["export", folder, "--annotator", "a", "--union", "b", "c"])
    assert exc.value.code == 2
