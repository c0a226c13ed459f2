"""Several annotators on the command line: `trailer agreement`, and the label-source options
of `trailer export` (--annotator NAME | --union A B ... | --majority A B ...)."""

from __future__ import annotations

import argparse
import json
import sys


def add_label_source_options(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--annotator", metavar="NAME",
                       help="whose labels (default: the project's annotator)")
    group.add_argument("--union", nargs="+", metavar="NAME",
                       help="a frame carries a genre when any of these annotators gave it")
    group.add_argument("--majority", nargs="+", metavar="NAME",
                       help="a frame carries a genre when more than half of these annotators "
                            "(those who labelled the trailer) gave it; a tie is no")


def label_spec(args, project=None) -> str | None:
    """The label source spec of the parsed options (None: the project's annotator). With a
    project, names that have no labels in it are reported on stderr (a typo, most likely)."""
    from ..core.label_sources import LabelSource

    if getattr(args, "union", None):
        source = LabelSource.combine("union", args.union)
    elif getattr(args, "majority", None):
        source = LabelSource.combine("majority", args.majority)
    elif getattr(args, "annotator", None):
        source = LabelSource.single(args.annotator)
    else:
        return None
    if project is not None:
        known = set(project.annotators())
        unknown = [n for n in source.names if n not in known]
        if unknown:
            print(f"trailer: warning: no labels by {', '.join(unknown)} in this project "
                  f"(annotators: {', '.join(sorted(known)) or 'none yet'})", file=sys.stderr)
    return source.spec


def cmd_agreement(args):
    from ..core.agreement import agreement, check_annotators, format_table
    from ..core.store import Project

    project = Project.open(args.project)
    check_annotators(project, args.a, args.b)
    result = agreement(project, args.a, args.b)
    if args.json:
        print(json.dumps(result, indent=1, allow_nan=False))
        return 0
    print(f"agreement of {args.a} and {args.b} in {project.folder}")
    if not result["videos"]:
        print("no trailer was annotated by both")
        return 0
    names = {str(v.id): v.name for v in project.videos()}
    print(format_table(result, names))
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser(
        "agreement",
        help="Cohen's kappa and percentage agreement of two annotators, per genre",
        description="Cohen's kappa per genre over the frames of the trailers both annotators "
                    "labelled, pooled and per trailer, with the percentage agreement. Kappa is "
                    "n/a (null in JSON) for a genre neither used (or both used on every frame).",
    )
    p.add_argument("project")
    p.add_argument("a", metavar="ANNOTATOR_A")
    p.add_argument("b", metavar="ANNOTATOR_B")
    p.add_argument("--json", action="store_true",
                   help='print {"genres": {genre: {"kappa", "agreement", "frames"}}, '
                        '"videos": {id: {genre: {...}}}}')
    p.set_defaults(func=cmd_agreement)
