"""A search's role: one process alone, or the chief or a worker of a KerasTuner distributed search.

KerasTuner distributes a search through three environment variables
(`KERASTUNER_ORACLE_IP`, `KERASTUNER_ORACLE_PORT`, `KERASTUNER_TUNER_ID`; an id
containing "chief" makes the chief). `--role chief|worker --oracle HOST:PORT
--worker-id NAME` say the same on the command line. `resolve` reads either (and
refuses both when they disagree) into one `Role`, which the config carries to
every place that acts on it; `Role.environment()` is what KerasTuner itself is
then told. Pure Python: no TensorFlow import.
"""

import dataclasses
import re
from collections.abc import Mapping

from kt_rnn.errors import UsageError

SINGLE, CHIEF, WORKER = "single", "chief", "worker"
KINDS = (SINGLE, CHIEF, WORKER)
IP_ENV, PORT_ENV, ID_ENV = "KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT", "KERASTUNER_TUNER_ID"
CHIEF_ID = "chief"  # KerasTuner takes any tuner id containing "chief" for the chief
DEFAULT_WORKER_TIMEOUT = 60.0  # s without a heartbeat before the chief re-queues a worker's trial
DEFAULT_CHIEF_TIMEOUT = 60.0  # s without an answer before a worker gives its chief up
HEARTBEAT_S = 5.0  # a worker tells the chief it lives this often (the timeouts are several of these)
# A worker process whose last call is more recent than this is live: another process under its id is refused.
LIVE_S = 3 * HEARTBEAT_S
# Every call of a kt_rnn worker carries its id and its process's own token as gRPC metadata (KerasTuner's
# requests carry only the tuner id, and only some of them): the chief tells two processes of one id apart.
WORKER_KEY, INSTANCE_KEY = "kt-rnn-worker", "kt-rnn-instance"
HEARD_KEY = "kt-rnn-heard-s"  # in a refusal: how long ago the chief heard from the process holding the id
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # a worker id names its state file, <id>.json


@dataclasses.dataclass(frozen=True)
class Role:
    """This process's part in a search.

    Args:
        kind: `"single"` (default: the whole search here), `"chief"` (serves the
            oracle, exports the best model) or `"worker"` (runs trials).
        host: the chief's address (the chief listens on it; `0.0.0.0`: every interface).
        port: the chief's port.
        worker_id: a worker's name; a worker restarted under the same name takes its trial back.
        worker_timeout: seconds, defaults to 60. The chief re-queues the trial of a
            worker it has not heard from for this long (workers send a heartbeat every few seconds).
        chief_timeout: seconds, defaults to 60. A worker whose chief has not
            answered for this long stops (its trial's state is saved) and exits.
    """

    kind: str = SINGLE
    host: str | None = None
    port: int | None = None
    worker_id: str | None = None
    worker_timeout: float = DEFAULT_WORKER_TIMEOUT
    chief_timeout: float = DEFAULT_CHIEF_TIMEOUT

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UsageError(f"Expected role to be one of {list(KINDS)}. Received: role={self.kind!r}")
        if self.kind != SINGLE and (not self.host or not self.port):
            raise UsageError(f"--role {self.kind} needs --oracle HOST:PORT: the address the chief serves on.")
        if self.kind == WORKER:
            _check_worker_id(self.worker_id)
        for name in ("worker_timeout", "chief_timeout"):
            if getattr(self, name) <= 0:
                raise UsageError(
                    f"--{name.replace('_', '-')} must be a positive number of seconds. Received: {getattr(self, name)}"
                )

    @property
    def is_chief(self) -> bool:
        return self.kind == CHIEF

    @property
    def is_worker(self) -> bool:
        return self.kind == WORKER

    @property
    def distributed(self) -> bool:
        return self.kind != SINGLE

    @property
    def address(self) -> str:
        """`HOST:PORT`, as gRPC dials it."""
        return f"{self.host}:{self.port}"

    @property
    def tuner_id(self) -> str | None:
        """The id KerasTuner knows this process by (its state file is `<id>.json`)."""
        return {CHIEF: CHIEF_ID, WORKER: self.worker_id}.get(self.kind)

    def environment(self) -> dict[str, str]:
        """KerasTuner's variables for this role (none for a single process)."""
        if not self.distributed:
            return {}
        # A distributed role has a host and a tuner id (`__post_init__`).
        return {IP_ENV: self.host, PORT_ENV: str(self.port), ID_ENV: self.tuner_id}  # type: ignore[dict-item]

    def describe(self) -> str | None:
        """One line for the console, e.g. `Worker b of the chief at 10.0.0.5:8000`."""
        if self.is_chief:
            return f"Chief: serving the search's oracle on {self.address} (workers: --role worker --oracle HOST:PORT)"
        if self.is_worker:
            return f"Worker {self.worker_id} of the chief at {self.address}"
        return None


def resolve(
    role: str | None = None,
    oracle: str | None = None,
    worker_id: str | None = None,
    environ: Mapping[str, str] | None = None,
    **timeouts: float | None,
) -> Role:
    """The `Role` given by the options (`--role`, `--oracle`, `--worker-id`) or KerasTuner's variables.

    Args:
        role: `"chief"`, `"worker"` or `None`.
        oracle: `"HOST:PORT"` or `None`.
        worker_id: a worker's name or `None`.
        environ: the environment (`os.environ`), for KerasTuner's own variables.
        **timeouts: `worker_timeout`, `chief_timeout` (seconds; `None`: the default).

    Raises:
        UsageError: an option missing or malformed, or options that contradict the variables.
    """
    timeouts = {name: value for name, value in timeouts.items() if value is not None}
    from_options = _from_options(role, oracle, worker_id, timeouts)
    from_environ = _from_environ(environ or {}, timeouts)
    if from_options is None:
        return from_environ or Role(**timeouts)  # type: ignore[arg-type]  # only worker_timeout, chief_timeout
    if from_environ is not None and _where(from_environ) != _where(from_options):
        raise UsageError(
            f"--role/--oracle/--worker-id say {_where(from_options)}, but {IP_ENV}, {PORT_ENV} and "
            f"{ID_ENV} say {_where(from_environ)}. Give one of them, or make them agree."
        )
    return from_options


def _from_options(role, oracle, worker_id, timeouts):
    if role is None:
        if oracle is not None or worker_id is not None:
            raise UsageError(
                "--oracle and --worker-id belong to a distributed search: add --role chief or --role worker."
            )
        return None
    if role == CHIEF and worker_id is not None:
        raise UsageError("--worker-id names a worker; the chief takes none. Remove it, or use --role worker.")
    host, port = parse_address(oracle) if oracle else (None, None)
    return Role(role, host, port, worker_id, **timeouts)


def _from_environ(environ, timeouts):
    if IP_ENV not in environ:
        return None
    if PORT_ENV not in environ or ID_ENV not in environ:
        raise UsageError(
            f"{IP_ENV} is set, so {PORT_ENV} and {ID_ENV} must be too (or use --role, --oracle "
            "and --worker-id instead of the variables)."
        )
    host, port = parse_address(f"{environ[IP_ENV]}:{environ[PORT_ENV]}")
    tuner_id = environ[ID_ENV]
    if CHIEF_ID in tuner_id:
        return Role(CHIEF, host, port, **timeouts)
    return Role(WORKER, host, port, tuner_id, **timeouts)


def parse_address(text: str) -> tuple[str, int]:
    """`(host, port)` from `HOST:PORT` (`[::1]:8000` for IPv6); raises `UsageError`."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(
            f"Expected --oracle as HOST:PORT, e.g. 10.0.0.5:8000 or 127.0.0.1:8000. Received: oracle={text!r}"
        )
    return host, int(port)


def _check_worker_id(worker_id: str | None) -> None:
    if not worker_id:
        raise UsageError(
            "--role worker needs --worker-id NAME (unique per worker; a worker restarted under its "
            "name takes its trial back)."
        )
    if not _NAME.fullmatch(worker_id) or CHIEF_ID in worker_id:
        raise UsageError(
            "Expected --worker-id to be letters, digits, '.', '_' or '-', without 'chief' "
            f"(KerasTuner takes any id with 'chief' in it for the chief). Received: {worker_id!r}"
        )


def _where(role: Role) -> str:
    return f"{role.kind} {role.tuner_id or ''} at {role.address}".replace("  ", " ")
