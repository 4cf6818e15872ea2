"""Atomic writes: all or nothing, with the file mode a plain open() would give."""

import errno
import os
import signal
import stat
import subprocess
import sys

import pytest

from numnet.core.atomic import atomic_write, write_bytes


def test_write_replaces_whole_file(tmp_path):
    target = tmp_path / "f.bin"
    write_bytes(target, b"old")
    write_bytes(target, b"new contents")
    assert target.read_bytes() == b"new contents"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_crash_midway_keeps_previous_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "f.bin"
    write_bytes(target, b"previous")
    with pytest.raises(RuntimeError), atomic_write(target) as f:
        f.write(b"half")
        raise RuntimeError("crash")
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_mode_follows_umask_not_private(tmp_path):
    old = os.umask(0o022)
    try:
        write_bytes(tmp_path / "g.bin", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "g.bin").stat().st_mode) == 0o644


def test_a_write_killed_half_way_leaves_no_litter_after_the_next_one(tmp_path):
    """SIGKILL in the middle of a write leaves its temporary; the next write of the same file
    (by any process) removes it, since the process that made it is gone."""
    target = tmp_path / "m.npz"
    code = (
        "import sys, time\n"
        "from numnet.core.atomic import atomic_write\n"
        "with atomic_write(sys.argv[1]) as f:\n"
        "    f.write(b'half'); f.flush(); print('writing', flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE)
    assert proc.stdout.readline() == b"writing\n"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # the litter
    write_bytes(target, b"whole")
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_a_running_writers_temporary_is_left_alone(tmp_path):
    mine = tmp_path / f".m.npz.numnet-{os.getpid()}-0123abcd.tmp"
    mine.write_bytes(b"in progress")
    write_bytes(tmp_path / "m.npz", b"x")
    assert mine.exists()


def test_no_space_left_names_the_file(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space left on device") as err:
        write_bytes(tmp_path / "m.npz", b"x")
    assert err.value.filename == str(tmp_path / "m.npz")
    assert list(tmp_path.iterdir()) == []


def test_outputs_that_writing_would_break_are_refused(tmp_path):
    from numnet.core.atomic import check_output_file
    from numnet.core.errors import NumnetError

    (tmp_path / "in.png").write_bytes(b"input")
    os.link(tmp_path / "in.png", tmp_path / "hard.png")
    (tmp_path / "link").symlink_to(tmp_path / "in.png")
    os.mkfifo(tmp_path / "fifo")
    cases = {
        "in.png": "also an input", "hard.png": "also an input", "link": "symbolic link",
        "fifo": "not a regular file", ".": "is a folder",
    }  # fmt: skip
    for name, says in cases.items():
        with pytest.raises(NumnetError, match=says):
            check_output_file(tmp_path / name, "--out", [tmp_path / "in.png"])
    assert check_output_file(tmp_path / "new.png", "--out", [tmp_path / "in.png"])


def test_a_fifo_input_is_refused_without_blocking(tmp_path):
    from numnet.core.atomic import check_regular_file
    from numnet.core.errors import ImageError

    os.mkfifo(tmp_path / "pipe.png")
    with pytest.raises(ImageError, match="pipe.png: is not a regular file"):
        check_regular_file(tmp_path / "pipe.png", ImageError, "an image")
    with pytest.raises(ImageError, match="is a folder, not an image"):
        check_regular_file(tmp_path, ImageError, "an image")
