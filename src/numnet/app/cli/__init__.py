"""The ``numnet`` command: parse, call the library, report.

Each subcommand lives in its own module of this package with two functions:
``add_parser(subparsers)`` declares its flags, ``run(args) -> int`` does the work.
Errors meant for people (``numnet.core.errors.NumnetError``) are printed as one line on stderr
with exit status 2, and so is running out of memory; Ctrl-C exits with 130.  No traceback
reaches the user for bad input.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from numnet import __version__
from numnet.core.errors import NumnetError

#: the subcommands, each a module of numnet.app.cli, in the order --help lists them
COMMANDS = ("train", "evaluate", "show", "predict", "read", "serve", "export")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad flag as one line on stderr (exit 2), without the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="numnet",
        description=(
            "Neural networks that learn handwritten digits (MNIST) with NumPy only.\n"
            "Train a model, evaluate it, look at its predictions, or try your own digits."
        ),
        epilog="Run 'numnet COMMAND --help' for the flags of each command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"numnet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"numnet.app.cli.{name}").add_parser(sub)
    return parser


class HelpFormatter(argparse.HelpFormatter):
    """Adds "(default: X)" to a flag's help where there is a default worth saying."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        quiet = action.default is None or action.default is False
        if not quiet and action.default != argparse.SUPPRESS and "default" not in text:
            text += " (default: %(default)s)"
        return text


def fail(message: str) -> int:
    """Print a one-line error for a person and return exit status 2."""
    print(f"numnet: error: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # a command may explain a form it no longer takes (set_defaults(old_form=...))
        old_form = getattr(args, "old_form", None)
        parser.error((old_form and old_form(args, extra)) or f"unrecognized arguments: "
                     f"{' '.join(extra)}")
    try:
        return int(args.run(args) or 0)
    except NumnetError as e:
        return fail(str(e))
    except BrokenPipeError:  # the reader went away (`numnet predict ... | head`): as `cat`
        # stdout to /dev/null, so that flushing it at exit does not fail a second time
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE: what a shell reports for a command its reader left
    except OSError as e:
        where = f": {e.filename}" if e.filename else ""
        return fail(f"{e.strerror or e}{where}")
    except MemoryError:
        return fail(
            "not enough memory for this model on this machine (it needs more than is free); "
            "try a smaller model or free some memory"
        )
    except KeyboardInterrupt:
        print("numnet: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
