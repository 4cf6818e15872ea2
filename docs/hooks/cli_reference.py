"""MkDocs hook: the command-line reference page, generated from numnet's own argparse parser.

Each command's ``--help`` text is produced at build time by ``numnet.app.cli.build_parser``
(at a fixed width of 80 columns), so the page can never disagree with the program; below it
stands the command module's docstring (what the command does and why), through mkdocstrings.
"""

from __future__ import annotations

import contextlib
import io
import os
from typing import Any

from mkdocs.structure.files import File, Files

PAGE = "cli.md"
WIDTH = "80"


def help_text(argv: list[str]) -> str:
    """What ``numnet ARGV --help`` prints, at WIDTH columns."""
    from numnet.app.cli import build_parser

    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH  # argparse reads the width when it formats
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            build_parser().parse_args([*argv, "--help"])
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved
    return out.getvalue().rstrip()


def page() -> str:
    from numnet.app.cli import COMMANDS

    parts = [
        "# Command line",
        "",
        "Generated from `numnet --help` and each `numnet COMMAND --help` when this site was",
        "built. Every error meant for a person is one line on stderr with exit status 2",
        "(see [Bad input](bad-input.md)).",
        "",
        "```text",
        help_text([]),
        "```",
    ]
    for command in COMMANDS:
        parts += [
            "",
            f"## numnet {command}",
            "",
            "```text",
            help_text([command]),
            "```",
            "",
            f"::: numnet.app.cli.{command}",
            "    options:",
            "      show_root_heading: false",
            "      show_root_toc_entry: false",
            "      members: false",
        ]
    return "\n".join(parts) + "\n"


def on_files(files: Files, config: Any) -> Files:
    files.append(File.generated(config, PAGE, content=page()))
    return files
