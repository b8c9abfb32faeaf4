"""A full disk stops the search with its state saved and no trial failed; the same command resumes."""

import errno
import json
import os
import shutil
import subprocess
import sys

import pytest

import searches
from kt_rnn.errors import EXIT_DISK_FULL, DiskFull
from kt_rnn.search import pipeline
from kt_rnn.state import durable, space_left


def test_disk_full_finds_enospc_edquot_and_wrapped_messages():
    assert space_left.disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert space_left.disk_full(OSError(errno.EDQUOT, "Disk quota exceeded"))
    try:
        try:
            raise OSError(errno.ENOSPC, "write failed")
        except OSError as inner:
            raise RuntimeError("Unable to synchronously create file") from inner
    except RuntimeError as wrapped:
        assert space_left.disk_full(wrapped)
    assert space_left.disk_full(ValueError("h5py: No space left on device (file write failed)"))
    assert space_left.disk_full(ValueError("shapes differ")) is None


def test_stopped_names_the_directory_and_the_space_to_free(tmp_path):
    (tmp_path / "tuner" / "trial_0").mkdir(parents=True)
    (tmp_path / "tuner" / "trial_0" / "checkpoint.weights.h5").write_bytes(b"0" * (40 * 2**20))
    error = space_left.stopped(tmp_path, OSError(errno.ENOSPC, "No space left on device"))
    assert isinstance(error, DiskFull) and error.exit_code == EXIT_DISK_FULL
    assert str(tmp_path) in str(error) and "Free at least 80 MB" in str(error)
    assert "run the same command again" in str(error)


def test_stopped_on_a_file_system_smaller_than_the_search_needs_asks_for_another_place(tmp_path, monkeypatch):
    (tmp_path / "tuner" / "trial_0000").mkdir(parents=True)
    (tmp_path / "tuner" / "trial_0000" / "checkpoint.weights.h5").write_bytes(b"0" * (2 * 2**20))
    monkeypatch.setattr(space_left.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(3 * 2**20, 3 * 2**20, 0))
    error = str(space_left.stopped(tmp_path, OSError(errno.ENOSPC, "No space left on device")))
    assert "0.0 MB free" in error and "holds 3.0 MB in all, less than the search needs (about 10 MB)" in error
    assert "Free at least" not in error and "--logdir" in error  # freeing 10 MB of 3 could never work


def _config(data, logdir):
    return searches.tiny("imdb", data, logdir, "--tuner", "random", "--max-trials", 3, "--no-refit")


@pytest.mark.e2e
def test_search_stops_on_an_injected_full_disk_and_resumes(tiny_imdb, tmp_path, monkeypatch):
    replace, calls = durable.replace, []

    def full_at_the_second_checkpoint(path, write, fault=None, intact=None):
        calls.append(fault)
        if fault == "checkpoint" and calls.count("checkpoint") == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return replace(path, write, fault=fault, intact=intact)

    monkeypatch.setattr(durable, "replace", full_at_the_second_checkpoint)
    config = _config(tiny_imdb, tmp_path)
    with pytest.raises(DiskFull, match=r"(?s)No space left where the search writes.*Free at least"):
        pipeline.run(config)
    statuses = {
        p.parent.name: json.loads(p.read_text())["status"] for p in config.layout.tuner.glob("trial_*/trial.json")
    }
    assert "FAILED" not in statuses.values() and "IDLE" in statuses.values()  # released, not failed
    monkeypatch.setattr(durable, "replace", replace)  # space freed
    result = pipeline.run(config)
    assert result.metrics["trials"]["completed"] == 3 and result.metrics["trials"]["failed"] == 0


@pytest.mark.e2e
def test_search_on_a_small_real_filesystem_exits_5_then_resumes_after_it_grows(tiny_imdb, tmp_path):
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root; the injected full disk above covers the logic")
    mountpoint = tmp_path / "small"
    mountpoint.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mountpoint)]).returncode:
        pytest.skip("this machine does not allow a tmpfs mount")
    try:
        command = [
            sys.executable,
            "-m",
            "kt_rnn.search",
            "imdb",
            "--data",
            str(tiny_imdb),
            "--logdir",
            str(mountpoint),
            "--sequence-length",
            "16",
            "--fix",
            "embedding_dim=8",
            "--tuner",
            "random",
            "--max-trials",
            "4",
            "--max-epochs",
            "2",
            "--no-refit",
        ]
        full = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert full.returncode == EXIT_DISK_FULL, full.stderr[-3000:]
        assert "No space left where the search writes" in full.stderr and "Traceback" not in full.stderr
        assert "holds 0.6 MB in all" in full.stderr and "Free at least" not in full.stderr
        subprocess.run(["mount", "-o", "remount,size=64m", str(mountpoint)], check=True)
        resumed = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        metrics = json.loads((mountpoint / "imdb" / "best" / "metrics.json").read_text())
        assert metrics["trials"]["completed"] == 4 and metrics["trials"]["failed"] == 0
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)])


def test_quiet_finalizers_drop_only_what_the_search_reports_itself(monkeypatch, capsys):
    import sys
    import types

    shown = []
    monkeypatch.setattr(sys, "__unraisablehook__", lambda unraisable: shown.append(type(unraisable.exc_value)))
    monkeypatch.setattr(sys, "unraisablehook", sys.unraisablehook)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    space_left.quiet_finalizers()
    for error in (OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt(), ValueError("real bug")):
        sys.unraisablehook(types.SimpleNamespace(exc_value=error))
    assert shown == [ValueError]
