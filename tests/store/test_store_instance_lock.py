"""One Kaunta per data folder; the OS lock disappears with the process that held it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import pos
from pos.store.errors import AlreadyRunning
from pos.store.instance_lock import LOCK_NAME, InstanceLock

REPO_ROOT = Path(pos.__file__).resolve().parent.parent

CHILD = """
import sys, time
from pathlib import Path
from pos.store.instance_lock import InstanceLock
lock = InstanceLock(Path(sys.argv[1]))
lock.acquire()
print("locked", flush=True)
time.sleep(60)
"""


def test_second_lock_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = InstanceLock(data_dir)
    first.acquire()
    try:
        assert (data_dir / LOCK_NAME).read_text() == f"pid {os.getpid()}\n"
        with pytest.raises(AlreadyRunning) as excinfo:
            InstanceLock(data_dir).acquire()
        message = str(excinfo.value)
        assert f"data folder {data_dir}" in message
        assert f"(pid {os.getpid()})" in message
        assert "--data-dir" in message
        assert excinfo.value.data_dir == data_dir
    finally:
        first.release()
    with InstanceLock(data_dir) as again:  # released: can be taken again
        assert again.path == data_dir / LOCK_NAME


def test_other_folders_are_independent(tmp_path: Path) -> None:
    with InstanceLock(tmp_path / "till1"), InstanceLock(tmp_path / "till2") as second:
        assert second.path.exists()


def test_release_is_idempotent(tmp_path: Path) -> None:
    lock = InstanceLock(tmp_path)
    lock.acquire()
    lock.release()
    lock.release()
    with InstanceLock(tmp_path):
        pass


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_lock_of_a_killed_process_is_released(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data_dir)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "locked"
        with pytest.raises(AlreadyRunning, match=f"pid {child.pid}"):
            InstanceLock(data_dir).acquire()
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        if child.stdout is not None:
            child.stdout.close()
    with InstanceLock(data_dir) as lock:
        assert lock.path.read_text() == f"pid {os.getpid()}\n"
