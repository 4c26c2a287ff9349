"""Command line: `trace FILE [--gradcheck [--h H]] [--init I] [--unroll] [--lean]`, `train FILE --steps N
--run JSON …`, and the frame other commands plug into.

The `backprop-studio` console script is this frame with `render` added by the package that
draws graphs. A bad program prints one line, `line L, col C: what is wrong`, and exits with
status 1. Every command takes `--lang en|ko`: the language of its messages and documents.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Callable, Sequence

from .errors import ProgramError, told
from .i18n import DEFAULT_LANG, LANGS, text
from .inits import INIT_NAMES
from .limits import GRADCHECK_H, GRADCHECK_H_MAX, GRADCHECK_H_MIN
from .source import read_source

# A command adds its subparser (with `func` as its handler) to the CLI's subcommands.
AddCommand = Callable[["argparse._SubParsersAction"], object]


def cmd_trace(args: argparse.Namespace) -> int:
    from .gradcheck import check_h, gradcheck
    from .trace import trace

    h = GRADCHECK_H
    if args.h is not None:
        try:
            h = check_h(args.h)
        except ValueError as e:
            print(f"--{told(e, args.lang)}", file=sys.stderr)
            return 2
        if not args.gradcheck:
            print(text("cli.h_without_gradcheck", args.lang), file=sys.stderr)
            return 2
    source = read_source(args.file)
    if args.unroll:
        from .unroll import unroll
        t = unroll(source)
    else:
        t = trace(source, args.init)
    if args.lean:
        from .lean import lean_document
        doc = lean_document(t)
    else:
        doc = t.to_dict(lang=args.lang)
    if args.gradcheck:
        doc["gradcheck"] = gradcheck(t, h)
    json.dump(doc, sys.stdout, ensure_ascii=False, allow_nan=False,
              indent=args.indent if args.indent and args.indent > 0 else None)
    sys.stdout.write("\n")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from .errors import SpecError
    from .train import DEFAULT_RUN, DEFAULT_STEPS, train

    runs = []
    for i, spec in enumerate(args.run or []):
        try:
            runs.append(json.loads(spec))
        except json.JSONDecodeError as e:
            print(text("cli.run_not_json", args.lang, i=str(i + 1), reason=e.msg, text=spec), file=sys.stderr)
            return 2
    try:
        result = train(read_source(args.file), runs or [dict(DEFAULT_RUN)],
                       DEFAULT_STEPS if args.steps is None else args.steps)
    except SpecError as e:
        print(told(e, args.lang), file=sys.stderr)
        return 2
    json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, allow_nan=False,
              indent=args.indent if args.indent and args.indent > 0 else None)
    sys.stdout.write("\n")
    return 0


def _number(text: str) -> float | str:
    """A float, or the text itself for `cmd_trace` to refuse in one line."""
    try:
        return float(text)
    except ValueError:
        return text


def parser(*more: AddCommand) -> argparse.ArgumentParser:
    """The `backprop-studio` parser: `trace`, then each command of ``more``."""
    p = argparse.ArgumentParser(prog="backprop-studio",
                                description="See backpropagation: computation graphs with every step recorded.")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("trace", help="print the JSON trace of a program")
    t.add_argument("file", help="the program file, or - for standard input")
    t.add_argument("--gradcheck", action="store_true", help="add the numerical gradient check")
    t.add_argument("--h", type=_number, default=None, metavar="H",
                   help=f"the gradient check's step (default {GRADCHECK_H:g}; "
                        f"{GRADCHECK_H_MIN:g} to {GRADCHECK_H_MAX:g})")
    t.add_argument("--unroll", action="store_true",
                   help="trace the program's scalar graph: every product, sum and elementwise op of its "
                        "tensors expanded into one node per scalar operation")
    t.add_argument("--lean", action="store_true",
                   help="print the lean document /api/trace answers (each number once, tensors past "
                        "4,096 entries as summaries) instead of the full one with every number written out")
    t.add_argument("--init", choices=INIT_NAMES, default=None,
                   help="redraw every weight matrix (made by randn, xavier, kaiming or zeros) with this "
                        "initialization: naive (randn, scale 1), xavier, he (kaiming) or zeros")
    t.add_argument("--indent", type=int, default=0, help="pretty-print with this indent")
    t.set_defaults(func=cmd_trace)
    r = sub.add_parser("train", help="train the program's parameters and print the runs as JSON",
                       description="Run each optimizer spec from the program's values; the program's output "
                                   "is the loss. Prints the training document (README, Training).")
    r.add_argument("file", help="the program file, or - for standard input")
    r.add_argument("--steps", type=int, default=None, help="updates per run (default 100)")
    r.add_argument("--run", action="append", metavar="JSON",
                   help='a run spec, e.g. \'{"optimizer": "adam", "lr": 0.05}\' (repeat for several; '
                        'default: adam, lr 0.05)')
    r.add_argument("--indent", type=int, default=0, help="pretty-print with this indent")
    r.set_defaults(func=cmd_train)
    for add in more:
        add(sub)
    for command in sub.choices.values():     # every command, the drawing package's too
        command.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG,
                             help="the language of messages and texts (default en)")
    return p


def run(p: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` with ``p`` and run the chosen command; every failure is one line on stderr."""
    args = p.parse_args(argv)
    lang = getattr(args, "lang", DEFAULT_LANG)
    try:
        return args.func(args)
    except ProgramError as e:
        print(e.text(lang), file=sys.stderr)
        return 1
    except BrokenPipeError:          # e.g. piped into head
        return 0
    except OSError as e:
        print(text("cli.cannot_read", lang, file=getattr(e, "filename", None) or args.file,
                   reason=e.strerror or str(e)), file=sys.stderr)
        return 1
    except UnicodeDecodeError:
        print(text("cli.not_utf8", lang, file=args.file), file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    """The engine's commands alone (`python -m engine.cli trace FILE`)."""
    return run(parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
