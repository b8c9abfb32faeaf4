"""One writer per search: a second process is refused, a killed holder leaves no stale lock."""

import os
import signal
import socket
import subprocess
import sys

import pytest

from kt_rnn.cli import report
from kt_rnn.errors import EXIT_SEARCH
from kt_rnn.state.lock import ProjectBusy, ProjectLock

HOLD = """
import sys, time
from kt_rnn.state.lock import ProjectLock
lock = ProjectLock(sys.argv[1])
lock.acquire()
print("locked", flush=True)
time.sleep(120)
"""


def _holder(root):
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(root)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    return process


def test_lock_second_holder_is_refused_naming_the_first(tmp_path):
    holder = _holder(tmp_path / "proj")
    try:
        with pytest.raises(ProjectBusy, match=rf"in use by process {holder.pid} on {socket.gethostname()}"):
            ProjectLock(tmp_path / "proj").acquire()
    finally:
        holder.kill()
        holder.wait()


def test_lock_of_a_killed_holder_is_released_by_the_kernel(tmp_path):
    holder = _holder(tmp_path / "proj")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with ProjectLock(tmp_path / "proj"):  # no stale lock to clean up by hand
        pass


def test_lock_is_released_on_exit_of_the_context(tmp_path):
    with ProjectLock(tmp_path / "proj"):
        pass
    ProjectLock(tmp_path / "proj").acquire()


@pytest.mark.e2e
def test_lock_second_search_on_the_same_project_exits_without_touching_it(tiny_imdb, tmp_path, capsys):
    from fake_search import write_search

    project = write_search(tmp_path / "logs" / "imdb")
    holder = _holder(project)
    before = sorted(str(p.relative_to(project)) for p in project.rglob("*"))
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "kt_rnn.search",
                "imdb",
                "--data",
                str(tiny_imdb),
                "--logdir",
                str(tmp_path / "logs"),
                "--overwrite",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == EXIT_SEARCH, result.stderr[-2000:]
        assert f"in use by process {holder.pid}" in result.stderr and "--project" in result.stderr
        assert sorted(str(p.relative_to(project)) for p in project.rglob("*")) == before  # --overwrite did nothing
        assert report.main([str(project)]) == 0  # reading goes on during a search
    finally:
        holder.kill()
        holder.wait()
