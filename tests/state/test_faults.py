"""Fault injection: SIGKILL at a named point, only when KT_RNN_FAULT asks for it."""

import os
import signal
import subprocess
import sys

import pytest

from kt_rnn.state import faults

SCRIPT = (
    "from kt_rnn.state import faults\n"
    "faults.in_trial('1')\n"
    "for i in range(3):\n"
    "    faults.hit('batch'); print('batch', i, flush=True)\n"
)


def _run(spec):
    env = {**os.environ, faults.ENV_VAR: spec}
    return subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "spec, survived",
    [
        ("batch", 0),
        ("batch#2", 1),
        ("batch@1#3", 2),
        ("batch@2", 3),
        ("epoch-saved", 3),
        ("", 3),
    ],
)
def test_hit_kills_at_the_requested_point(spec, survived):
    result = _run(spec)
    assert result.stdout.count("batch") == survived
    assert result.returncode == (-signal.SIGKILL if survived < 3 else 0)


def test_hit_is_a_no_op_without_the_variable(monkeypatch):
    monkeypatch.delenv(faults.ENV_VAR, raising=False)
    faults.hit("batch")  # still alive


def test_armed_only_for_the_points_asked_for(monkeypatch):
    monkeypatch.setenv(faults.ENV_VAR, "batch@1#3,export")
    assert faults.armed("batch") and faults.armed("export") and not faults.armed("checkpoint")
    monkeypatch.delenv(faults.ENV_VAR)
    assert not faults.armed("batch")


def test_before_makes_a_method_reach_the_point_as_it_starts_once_per_object(monkeypatch):
    class Model:
        def fit(self, x):
            return x + 1

    model = Model()
    monkeypatch.setenv(faults.ENV_VAR, "oracle-fit#3")  # killed at the third call, not before
    monkeypatch.setattr(faults, "_hits", {})
    faults.before(model, "fit", "oracle-fit")
    faults.before(model, "fit", "oracle-fit")  # already hooked: one hit a call, not two
    assert model.fit(1) == 2 and model.fit(2) == 3
    assert faults._hits == {("oracle-fit", None): 2}
    faults.before(None, "fit", "oracle-fit")  # no such object (another oracle): nothing
