"""``numnet serve [--model MODEL]``: the draw-a-digit page and its JSON API on http://127.0.0.1:8000/."""

from __future__ import annotations

import argparse
import errno
import ipaddress
import logging
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from numnet.app.cli.model_option import add_model_option, pick
from numnet.core.errors import NumnetError

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
    p.add_argument(
        "file",
        metavar="MODEL",
        nargs="?",
        help="a model file saved by numnet (.npz or .pkl); the same as --model MODEL",
    )
    add_model_option(p)
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


def load_api(path: str | None) -> App:
    """The model file at ``path`` (None: the shipped one) -> the API that answers with it
    (the one place models load)."""
    from numnet.app.serve import App
    from numnet.files.model_file import SHIPPED_MODEL, load_model

    return App(load_model(path), name=Path(path or SHIPPED_MODEL).name)


def run(args: argparse.Namespace) -> int:
    from numnet.app.serve import AllowedHosts, Limits, create_app
    from numnet.app.serve import run as serve

    api = load_api(pick(args.file, args.model))
    limits = Limits()
    sock = listen(args.host, args.port, limits.backlog)
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


def listen(host: str, port: int, backlog: int) -> socket.socket:
    """The server's listening socket, or one line naming the address and ``--port``.

    It binds with SO_REUSEADDR, so a port left in TIME_WAIT by a server that just stopped
    is free, and a port another program holds is refused here, before anything is served.
    """
    from numnet.app.serve import bind

    try:
        return bind(host, port, backlog)
    except socket.gaierror as e:
        raise NumnetError(f"--host {host}: no such address ({e.strerror})") from None
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise NumnetError(
                f"port {port} on {host} is already in use (another numnet serve?); "
                "choose another with --port N, or --port 0 for any free one"
            ) from None
        raise NumnetError(f"cannot listen on {host} port {port}: {e.strerror}") from None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
