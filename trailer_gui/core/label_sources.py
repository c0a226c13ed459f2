"""Whose labels an export (and so training) uses: one annotator, or a union or majority.

A *label source* is written as a spec string, which is what ``ExportSettings.annotator``
holds, what the dataset manifest records (key ``annotator``) and what the export's
incremental label keys include:

``NAME``                 that annotator's labels (any name not starting as below)
``union:A,B,...``        a frame carries a genre when *any* listed annotator gave it
``majority:A,B,...``     a frame carries a genre when *more than half* of the listed
                         annotators who annotated the trailer gave it

Decisions:

* Who counts for a trailer: only the listed annotators with stored labels for it
  (``Project.annotators(video_id)``). An annotator who never labelled a trailer abstains,
  they do not vote "no genre" on every frame. A trailer none of them labelled gets no labels.
* Majority ties: strictly more than half, so a tie (2 of 4) is *not* a majority and the frame
  stays unlabelled. Labels are positives; a tie is not enough evidence for one.
* The names of union/majority are de-duplicated and sorted in the canonical spec
  (``majority:c,a,b`` -> ``majority:a,b,c``): the same set always gives the same manifest and
  keys. Names are stripped of surrounding spaces; a name in a list cannot contain a comma
  (``check_annotator_name`` refuses such names for new annotators).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import TrailerError
from .store import Project

KINDS = ("annotator", "union", "majority")


class LabelSourceError(TrailerError, ValueError):
    """A label source spec that cannot be used."""


@dataclass(frozen=True)
class LabelSource:
    kind: str  # one of KINDS
    names: tuple[str, ...]

    def __post_init__(self):
        if self.kind not in KINDS:
            raise LabelSourceError(f"label source {self.kind!r}: use one of {', '.join(KINDS)}")
        if not self.names or any(not n for n in self.names):
            raise LabelSourceError(f"label source {self.kind}: give annotator names, got {list(self.names)}")
        if self.kind != "annotator" and any("," in n for n in self.names):
            raise LabelSourceError(f"label source {self.kind}: names in a list cannot hold commas")
        if self.kind == "annotator" and len(self.names) != 1:
            raise LabelSourceError("a single-annotator label source takes exactly one name")

    @classmethod
    def single(cls, name: str) -> "LabelSource":
        return cls("annotator", (name.strip(),))

    @classmethod
    def combine(cls, kind: str, names) -> "LabelSource":
        return cls(kind, tuple(sorted({n.strip() for n in names if n.strip()})))

    @property
    def spec(self) -> str:
        if self.kind == "annotator":
            return self.names[0]
        return f"{self.kind}:{','.join(self.names)}"

    def describe(self) -> str:
        if self.kind == "annotator":
            return self.names[0]
        return f"{self.kind} of {', '.join(self.names)}"

    def __str__(self) -> str:
        return self.spec


def parse_source(spec: str | LabelSource | None, default: str | None = None) -> LabelSource:
    """A spec string (or None: ``default``, the project's annotator) as a LabelSource."""
    if isinstance(spec, LabelSource):
        return spec
    text = (spec or "").strip() or (default or "").strip()
    if not text:
        raise LabelSourceError("no label source given")
    for kind in ("union", "majority"):
        if text.startswith(kind + ":"):
            names = [n.strip() for n in text[len(kind) + 1:].split(",")]
            if not any(names):
                raise LabelSourceError(f"label source {text!r}: list annotators after '{kind}:'")
            return LabelSource.combine(kind, names)
    return LabelSource.single(text)


def canonical_spec(spec: str | LabelSource | None, default: str | None = None) -> str:
    return parse_source(spec, default).spec


def resolve_labels(project: Project, video_id: int, spec: str | LabelSource | None = None) -> np.ndarray:
    """The (frames, genres) bool labels of ``video_id`` under the label source ``spec``
    (None: the project's annotator)."""
    source = parse_source(spec, project.annotator)
    if source.kind == "annotator":
        return project.load_labels(video_id, source.names[0])
    present = set(project.annotators(video_id))
    voters = [n for n in source.names if n in present]
    frames = project.video(video_id).frames
    shape = (frames, len(project.genre_names()))
    if not voters:
        return np.zeros(shape, dtype=bool)
    votes = np.zeros(shape, dtype=np.int32)
    for name in voters:
        votes += project.load_labels(video_id, name)
    if source.kind == "union":
        return votes > 0
    return 2 * votes > len(voters)  # strictly more than half; a tie is not a majority


def check_annotator_name(name: str) -> str:
    """A new annotator's name, stripped; refused when a label source could not name it."""
    name = (name or "").strip()
    if not name:
        raise LabelSourceError("an annotator needs a name")
    if "," in name or any(name.startswith(k + ":") for k in ("union", "majority")):
        raise LabelSourceError(f"annotator name {name!r}: no commas, and it may not start "
                               "with 'union:' or 'majority:'")
    return name
