"""``numnet serve MODEL``: the draw-a-digit page and its JSON API on http://127.0.0.1:8000/."""

from __future__ import annotations

import argparse
import ipaddress
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from numnet.app.serve import App


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
    p.add_argument(
        "--cors",
        metavar="ORIGIN",
        action="append",
        default=[],
        help="let pages from ORIGIN (e.g. http://localhost:3000) call the API from a browser; "
        "repeat for more origins (default: none)",
    )
    p.set_defaults(run=run)


def load_api(path: str) -> App:
    """The model file at ``path`` -> the API that answers with it (the one place models load)."""
    from numnet.app.serve import App
    from numnet.files.model_file import load

    return App(load(path), name=Path(path).name)


def run(args: argparse.Namespace) -> int:
    from numnet.app.serve import AllowedHosts, Limits, bind, create_app
    from numnet.app.serve import run as serve

    api = load_api(args.model)
    limits = Limits()
    sock = bind(args.host, args.port, limits.backlog)
    port = sock.getsockname()[1]
    app = create_app(api, hosts=AllowedHosts.for_server(args.host, port), cors=args.cors,
                     limits=limits)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    if not _is_loopback(args.host):
        print(f"numnet serve: listening on {args.host}: other computers can reach this page")
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"numnet serve: http://{host}:{port}/  (Ctrl-C to stop)", flush=True)
    serve(app, sock, limits)
    return 0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
