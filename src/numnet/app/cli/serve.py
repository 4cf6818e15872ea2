"""``numnet serve MODEL``: the draw-a-digit page and its JSON API on http://127.0.0.1:8000/."""

from __future__ import annotations

import argparse
import ipaddress
import logging
from pathlib import Path
from typing import Any


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return port


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="a web page where you draw a digit and watch the model read it",
        description=(
            "Serve a page where you draw a digit with the mouse or a finger and see the\n"
            "model's prediction and probabilities update as you draw.  JSON API:\n"
            '  POST /api/predict  {"image": "data:image/png;base64,..."} or {"pixels": 28x28}\n'
            "  GET  /api/health"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", metavar="MODEL", help="a model file saved by numnet (.npz or .pkl)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this computer only)",
    )
    p.add_argument(
        "--port",
        type=_port,
        default=8000,
        help="port to listen on (default 8000; 0 picks a free one)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from numnet.app.serve import App, DigitServer
    from numnet.files.model_file import load

    model = load(args.model)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    with DigitServer(App(model, name=Path(args.model).name), args.host, args.port) as server:
        if not _is_loopback(args.host):
            print(f"numnet serve: listening on {args.host}: other computers can reach this page")
        print(f"numnet serve: {server.url}  (Ctrl-C to stop)", flush=True)
        server.serve_forever()
    return 0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
