"""Every path of one search under LOGDIR/PROJECT, named in one place.

```
LOGDIR/PROJECT/
  search.json        the search's identity (settings, data fingerprint, objective direction)
  config.toml        the resolved options, to repeat the run with --config
  tuner/             KerasTuner's state: oracle.json, <tuner id>.json,
                     trial_<id>/trial.json, trial_<id>/execution<e>/epochs.json + weights
  tensorboard/       one run per trial (<id>, or <id>/execution<e> for several), each with the HParams experiment
  best/              the export: saved_model/, model.keras, hparams.json, metrics.json
```

KerasTuner names its own files under `tuner/`; `Layout` spells them the same way
(the KerasTuner contract tests hold the two together). Pure Python.
"""

import dataclasses
import os
import pathlib

from kt_rnn.state import durable


@dataclasses.dataclass(frozen=True)
class Layout:
    """The paths of the search in `root` (LOGDIR/PROJECT).

    Example:

    ```python
    layout = Layout.of("logs", "imdb")
    layout.trial_file("03")  # logs/imdb/tuner/trial_03/trial.json
    ```
    """

    root: pathlib.Path
    TUNER = "tuner"  # KerasTuner's project_name under the root
    TENSORBOARD = "tensorboard"
    BEST = "best"
    IDENTITY = "search.json"
    RUNFILE = "config.toml"
    ORACLE = "oracle.json"
    TRIAL = "trial.json"
    RECORD = "epochs.json"  # one execution's epochs, for resuming (kt_rnn.state.resume)
    METRICS = "metrics.json"  # the export's test scores, beside it in best/

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", pathlib.Path(self.root))

    @classmethod
    def of(cls, logdir: str | os.PathLike[str], project: str) -> "Layout":
        return cls(pathlib.Path(logdir) / project)

    @property
    def tuner(self) -> pathlib.Path:
        return self.root / self.TUNER

    @property
    def tensorboard(self) -> pathlib.Path:
        return self.root / self.TENSORBOARD

    @property
    def best(self) -> pathlib.Path:
        return self.root / self.BEST

    @property
    def metrics(self) -> pathlib.Path:
        return self.best / self.METRICS

    @property
    def identity(self) -> pathlib.Path:
        return self.root / self.IDENTITY

    @property
    def runfile(self) -> pathlib.Path:
        return self.root / self.RUNFILE

    @property
    def oracle_file(self) -> pathlib.Path:
        return self.tuner / self.ORACLE

    def tuner_file(self, tuner_id: str) -> pathlib.Path:
        return self.tuner / f"{tuner_id}.json"

    def trial_dir(self, trial_id: str) -> pathlib.Path:
        return self.tuner / f"trial_{trial_id}"

    def trial_file(self, trial_id: str) -> pathlib.Path:
        return self.trial_dir(trial_id) / self.TRIAL

    def execution_dir(self, trial_id: str, execution: int) -> pathlib.Path:
        return self.trial_dir(trial_id) / f"execution{execution}"

    def trial_dirs(self) -> dict[str, pathlib.Path]:
        """`{trial id: directory}` of the trial directories on disk."""
        return {p.name[len("trial_") :]: p for p in self.tuner.glob("trial_*") if p.is_dir()}

    def records(self, trial_dir: str | os.PathLike[str]) -> list[pathlib.Path]:
        """The epoch records of a trial directory, one per execution, in order."""
        return sorted(pathlib.Path(trial_dir).glob(f"execution*/{self.RECORD}"))

    def owned(self) -> tuple[pathlib.Path, ...]:
        """What a search owns under its root: removed by --overwrite, and nothing else."""
        return (self.tuner, self.tensorboard, self.best, self.identity, self.runfile)

    def has_search(self) -> bool:
        """True once KerasTuner's oracle state (or its kept copy, or a trial to rebuild it from) exists."""
        oracle = self.oracle_file.exists() or durable.previous(self.oracle_file).exists()
        return oracle or any(self.tuner.glob(f"trial_*/{self.TRIAL}"))
