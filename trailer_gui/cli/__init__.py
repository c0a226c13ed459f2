"""The ``trailer`` command: thin, everything real lives in ``core``, ``services`` and ``model``.

One module per command group, each with an ``add_commands(sub)``; ``common`` holds what they
share. Errors print one line on stderr and exit 1 (usage errors 2); ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import argparse
import sys

from model.errors import ModelError  # cheap: no TensorFlow

from ..core.errors import Cancelled, TrailerError
from . import annotators, project, proxy, safety, shots, training, videos


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trailer", description="Label movie trailers with per-frame genres and train a ConvLSTM on them."
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    project.add_commands(sub)  # new, add, info, demo, export, labels
    training.add_commands(sub)  # train, predict, eval, config
    annotators.add_commands(sub)
    shots.add_commands(sub)
    safety.add_commands(sub)
    videos.add_commands(sub)
    proxy.add_commands(sub)  # issue #14
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from ..core.store import set_writer  # an open window names who changed its labels

    set_writer(" ".join(filter(None, ("trailer", args.command, getattr(args, "action", None)))))
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        print("trailer: interrupted", file=sys.stderr)
        return 130
    except Cancelled as exc:
        print(f"trailer: {exc}", file=sys.stderr)
        return 1
    except (TrailerError, ModelError, ValueError, OSError) as exc:
        if args.debug:
            raise
        print(f"trailer: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug, or a library's own error: still one line, no traceback
        if args.debug:
            raise
        reason = " ".join(str(exc).split())[:300]
        print(f"trailer: {type(exc).__name__}: {reason} (`trailer --debug ...` shows where)",
              file=sys.stderr)
        return 1

