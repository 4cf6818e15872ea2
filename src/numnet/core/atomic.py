"""Files in and out: inputs that are regular files, outputs that cannot destroy anything.

Reading: ``open_regular_file`` opens a path for reading only if it is a regular file.  It
opens without blocking and checks the *open* file (``fstat``), so a FIFO, a device or a path
swapped between a check and the open can neither hang nor fool the reader.
``check_regular_file`` is the same check for code that opens the file itself.

Writing: ``atomic_write`` writes to a temporary file in the destination's folder (same file
system, so the final ``os.replace`` is atomic), flushes it to disk, and only then gives it
the real name: a crash in the middle leaves the previous file intact.  The temporary is
named ``.<name>.numnet-<pid>-<random>.tmp``; one left behind by a killed process (whose pid
is no longer running) is removed by the next write of the same name, or by
``remove_stale_temporaries`` for a whole folder.

``check_output_file`` is the one check every command runs on every path it will write,
before doing any work: the path must be absent or a regular, writable file, not a symbolic
link, not a folder, and not one of the command's own inputs.  ``atomic_write`` runs the same
check (without the inputs) as a last defence.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Iterable, Iterator
from io import BufferedReader
from pathlib import Path
from typing import BinaryIO

from numnet.core.errors import NumnetError

_TMP = re.compile(r"\.(?P<name>.+)\.numnet-(?P<pid>\d+)-[0-9a-f]{8}\.tmp")


# --------------------------------------------------------------------------- reading


def open_regular_file(
    path: str | os.PathLike[str],
    error: type[NumnetError] = NumnetError,
    what: str = "a file",
) -> BufferedReader:
    """Open ``path`` for binary reading if it is a regular file; else raise ``error``.

    The messages are one line naming the path: ``no such file``, ``is a folder, not
    <what>``, ``is not a regular file``, ``cannot read (<reason>)``.  A FIFO is opened
    without blocking (O_NONBLOCK) and refused; a regular file is then read normally.
    """
    name = os.fspath(path)
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise error(f"{name}: no such file") from None
    except IsADirectoryError:
        raise error(f"{name}: is a folder, not {what}") from None
    except OSError as e:
        if e.errno == errno.ENXIO:  # a socket, or a FIFO with no writer on some systems
            raise error(f"{name}: is not a regular file") from None
        raise error(f"{name}: cannot read ({e.strerror or e})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = f"is a folder, not {what}" if stat.S_ISDIR(mode) else "is not a regular file"
        raise error(f"{name}: {kind}")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def check_regular_file(
    path: str | os.PathLike[str],
    error: type[NumnetError] = NumnetError,
    what: str = "a file",
) -> Path:
    """Raise ``error`` (one line) unless ``path`` is a readable regular file; return it."""
    open_regular_file(path, error, what).close()
    return Path(path)


# --------------------------------------------------------------------------- writing


def check_output_file(
    path: str | os.PathLike[str],
    flag: str | None = None,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Refuse, in one line, an output ``path`` that writing would break something with.

    Refused: a folder, a symbolic link, anything that exists and is not a regular file (a
    device, a FIFO, a socket), a read-only file, and any of ``inputs`` (the files the same
    command reads, empty ones skipped; compared by real path and by inode, so hard links
    count).  ``flag``
    (e.g. ``"--out"``) starts the message.
    """
    path = Path(path)
    where = f"{flag} {path}" if flag else str(path)
    try:
        st = path.lstat()
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise NumnetError(f"{where}: cannot be written ({e.strerror or e})") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise NumnetError(f"{where} is a folder; give a file name")
        if stat.S_ISLNK(st.st_mode):
            raise NumnetError(
                f"{where} is a symbolic link; numnet writes only regular files, give another name"
            )
        if not stat.S_ISREG(st.st_mode):
            raise NumnetError(f"{where} is not a regular file (a device, pipe or socket)")
        if not (os.access(path, os.W_OK) and st.st_mode & 0o222):
            raise NumnetError(f"{where} is read-only; numnet will not replace it")
    for source in inputs:
        if source and _same_file(path, Path(source)):
            raise NumnetError(
                f"{where} is also an input of this command ({source}); give another name"
            )
    return path


def _same_file(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a binary file for writing that appears at ``path`` only when the block ends cleanly.

    An error while writing (a full disk ...) is raised as OSError naming ``path``; the
    previous file at ``path``, if any, is untouched and no temporary file is left.

    >>> with atomic_write("model.npz") as f:   # doctest: +SKIP
    ...     f.write(data)
    """
    path = check_output_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path.parent, path.name)
    tmp = path.with_name(f".{path.name}.numnet-{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(e, OSError) and not e.filename:
            raise OSError(e.errno, e.strerror or str(e), os.fspath(path)) from e
        raise


def remove_stale_temporaries(folder: str | os.PathLike[str], name: str | None = None) -> int:
    """Delete ``atomic_write`` temporaries in ``folder`` (of ``name`` only, if given) whose
    process is gone; return how many.  Those of running processes are left alone."""
    removed = 0
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        for entry in os.scandir(folder):
            m = _TMP.fullmatch(entry.name)
            if m is None or (name is not None and m["name"] != name) or _alive(int(m["pid"])):
                continue
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
                removed += 1
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True  # a running process of another user
    return True


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_write(path) as f:
        f.write(data)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    write_bytes(path, text.encode("utf-8"))
