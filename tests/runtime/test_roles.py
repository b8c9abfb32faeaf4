"""A search's role, from the options or KerasTuner's variables, resolved once and checked before TensorFlow."""

import pytest

from kt_rnn import config as config_lib
from kt_rnn import options
from kt_rnn.cli import search
from kt_rnn.errors import UsageError
from kt_rnn.runtime import roles

ENV = {"KERASTUNER_ORACLE_IP": "10.0.0.5", "KERASTUNER_ORACLE_PORT": "8000"}


def test_resolve_a_single_process_by_default():
    role = roles.resolve(environ={})
    assert role.kind == roles.SINGLE and not role.distributed and role.environment() == {}


def test_resolve_the_options_into_kerastuners_variables():
    role = roles.resolve("worker", "10.0.0.5:8000", "gpu-1", environ={}, worker_timeout=None, chief_timeout=9)
    assert role.is_worker and role.chief_timeout == 9 and role.worker_timeout == roles.DEFAULT_WORKER_TIMEOUT
    assert role.environment() == {**ENV, "KERASTUNER_TUNER_ID": "gpu-1"}
    assert roles.resolve("chief", "10.0.0.5:8000", environ={}).environment()["KERASTUNER_TUNER_ID"] == "chief"


@pytest.mark.parametrize("tuner_id, kind", [("chief", roles.CHIEF), ("tuner0", roles.WORKER)])
def test_resolve_keeps_kerastuners_variables_working(tuner_id, kind):
    role = roles.resolve(environ={**ENV, "KERASTUNER_TUNER_ID": tuner_id})
    assert (role.kind, role.address) == (kind, "10.0.0.5:8000")


def test_resolve_accepts_options_that_agree_with_the_variables():
    role = roles.resolve("worker", "10.0.0.5:8000", "tuner0", environ={**ENV, "KERASTUNER_TUNER_ID": "tuner0"})
    assert role.worker_id == "tuner0"


@pytest.mark.parametrize(
    "args, environ, message",
    [
        (("worker", "10.0.0.5:8000", "b"), {**ENV, "KERASTUNER_TUNER_ID": "a"}, "make them agree"),
        (("worker", "10.0.0.5:8000", None), {}, "needs --worker-id"),
        (("worker", None, "a"), {}, "needs --oracle HOST:PORT"),
        (("worker", "10.0.0.5:8000", "chief-2"), {}, "without 'chief'"),
        (("worker", "10.0.0.5:8000", "../a"), {}, "Received: '../a'"),
        (("chief", "10.0.0.5:8000", "a"), {}, "the chief takes none"),
        (("chief", "10.0.0.5", None), {}, "Expected --oracle as HOST:PORT"),
        (("chief", "host:99999", None), {}, "Expected --oracle as HOST:PORT"),
        ((None, "10.0.0.5:8000", None), {}, "add --role chief or --role worker"),
        ((None, None, None), {"KERASTUNER_ORACLE_IP": "10.0.0.5"}, "must be too"),
    ],
)
def test_resolve_refuses_a_role_it_cannot_run_with_the_fix(args, environ, message):
    with pytest.raises(UsageError, match=message):
        roles.resolve(*args, environ=environ)


def test_resolve_refuses_a_timeout_that_is_not_positive():
    with pytest.raises(UsageError, match="--worker-timeout must be a positive"):
        roles.resolve("chief", "127.0.0.1:8000", environ={}, worker_timeout=0)


def test_resolve_takes_a_bracketed_ipv6_address():
    assert roles.resolve("chief", "[::1]:8000", environ={}).address == "[::1]:8000"


@pytest.mark.parametrize("flag", ["--overwrite", "--export-only"])
def test_config_refuses_the_chiefs_flags_on_a_worker(flag, tmp_path):
    args = search.build_parser().parse_args(
        ["imdb", "--role", "worker", "--oracle", "127.0.0.1:8000", "--worker-id", "a", "--logdir", str(tmp_path), flag]
    )
    with pytest.raises(UsageError, match=f"{flag} is the chief's alone"):
        config_lib.Config.from_args(args)
    assert not (tmp_path / "imdb").exists()


def test_role_options_are_not_saved_in_the_run_file(tmp_path):

    values = options.resolve({"dataset": "imdb", "role": "chief", "oracle": "127.0.0.1:8000", "worker_timeout": 30})
    saved = options.settings(values)
    assert "role" not in saved and "oracle" not in saved and saved["worker_timeout"] == 30


@pytest.mark.parametrize(
    "role", [roles.Role(), roles.Role(roles.CHIEF, "127.0.0.1", 8000), roles.Role(roles.WORKER, "127.0.0.1", 8000, "b")]
)
def test_environment_makes_kerastuner_take_the_same_role(monkeypatch, role):
    from kt_rnn.state import kerastuner as kt

    for name in (roles.IP_ENV, roles.PORT_ENV, roles.ID_ENV):
        monkeypatch.delenv(name, raising=False)
    for name, value in role.environment().items():
        monkeypatch.setenv(name, value)
    assert kt.has_chief_oracle() is role.distributed
    assert (kt.has_chief_oracle() and not kt.is_chief_oracle()) is role.is_worker
