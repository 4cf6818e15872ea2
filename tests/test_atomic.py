"""Atomic writes: all or nothing, with the file mode a plain open() would give."""

import os
import stat

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
