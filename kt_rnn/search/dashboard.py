"""TensorBoard for a search: one run per trial, holding its curves, its layer graph and its HParams session.

KerasTuner copies the callback for each trial, points it at the trial's run
(`run_dir`: `<root>/<trial_id>`, or `<root>/<trial_id>/execution<k>` when a trial
trains several executions) and logs that run's HParams session there. Keras's own
callback would make two runs of each (`train/`, `validation/`), add tags of its own
(`evaluation_*_vs_iterations`) and need an experiment at the root, a run of its own.
Here one writer per run logs each epoch's logs under Keras's names (`loss`, `val_loss`,
`accuracy`, ...) at the epoch's step, and each run carries the HParams experiment,
which lists every hyperparameter of the space (batch size included, which KerasTuner
misses) and each trial's best-epoch objective, so the HParams tab shows every trial and column.
"""

import os
from collections.abc import Mapping, Sequence
from typing import Any

import keras
import keras_tuner
import tensorflow as tf
from tensorboard.plugins.hparams import api as hparams_api
from tensorboard.plugins.hparams import plugin_data_pb2

from hypermodels import cudnn
from hypermodels import space as sp
from kt_rnn.state import kerastuner as kt

# The HParams table gives each column about 160 px: at 1,600 px beside its filter pane it shows the
# trial id, its "Show Metrics" box and 6 more columns (headless Chromium, TensorBoard 2.21, 2026-12-05);
# the tab ticks 5 hyperparameters whatever the experiment marks. So 5 hyperparameters and 1 metric.
VISIBLE = 5  # hyperparameter columns the HParams tab shows before the user ticks more
CUDNN = "cudnn_eligible"  # a trial's session value: its recurrent layers would run on cuDNN on a GPU
LEARNING_RATE = "learning_rate"  # the optimizer's rate at each epoch's end, beside the logs


def callback(config: Any) -> "TensorBoard":
    """The TensorBoard callback to pass to `tuner.search`; KerasTuner makes it per trial."""
    return TensorBoard(str(config.layout.tensorboard), experiment_summary(config))


def run_dir(root: str | os.PathLike[str], trial_id: str, execution: int, executions: int) -> str:
    """A trial's TensorBoard run: `<root>/<trial_id>`, or `<root>/<trial_id>/execution<k>` for one of several."""
    run = os.path.join(os.fspath(root), str(trial_id))
    return run if executions == 1 else os.path.join(run, f"execution{execution}")


def executions(config: Any) -> int:
    """Executions a trial trains: its repetitions (`--executions-per-trial`) times its folds (`--folds`)."""
    return config.budget.executions_per_trial * (config.budget.folds or 1)


class TensorBoard(keras.callbacks.Callback):
    """Writes one trial's TensorBoard run: each epoch's logs, its layer graph and the HParams experiment.

    Named `TensorBoard` because KerasTuner finds its TensorBoard callback by class name to point
    it at the trial's run (`log_dir`) and to add the trial's HParams session to that run.

    Args:
        log_dir: the search's TensorBoard root (KerasTuner replaces it by the trial's run).
        experiment: the serialized HParams experiment (`experiment_summary`), written into every run:
            the tab reads it from any run, so no run of its own is needed.
    """

    def __init__(self, log_dir: str, experiment: bytes | None = None) -> None:
        super().__init__()
        self.log_dir = log_dir
        self.experiment = experiment
        self._writer: Any = None

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        self._writer = tf.summary.create_file_writer(self.log_dir)
        with self._writer.as_default():
            if self.experiment:
                tf.summary.experimental.write_raw_pb(self.experiment, step=0)
            # Keras would write a Keras-config summary TensorBoard 2.21 cannot convert for Keras 3
            # models ("Malformed GraphDef"), or the train step's thousands of op nodes: one node a layer.
            tf.summary.graph(layer_graph(self.model))

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        """`epoch` counts from the trial's start, a Hyperband continuation's parent epochs included."""
        values = dict(logs or {})
        rate = getattr(getattr(self.model, "optimizer", None), "learning_rate", None)
        if rate is not None and LEARNING_RATE not in values:
            values[LEARNING_RATE] = rate
        with self._writer.as_default():
            for name, value in values.items():
                tf.summary.scalar(name, float(keras.ops.convert_to_numpy(value)), step=epoch)
        self._writer.flush()  # a killed trial keeps the epochs it logged

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def layer_graph(model: keras.Model) -> "tf.compat.v1.GraphDef":
    """A `GraphDef` of `model`'s layers: one node per layer, an edge from each layer it is called on."""
    graph = tf.compat.v1.GraphDef()
    layers = model.get_config().get("layers", [])
    previous = None
    for spec in layers:
        name = spec.get("name") or spec["config"]["name"]  # a Sequential's config names a layer in its own config
        node = graph.node.add(name=name, op=spec["class_name"])
        parents = _callers(spec.get("inbound_nodes"))
        node.input.extend(parents if spec.get("inbound_nodes") is not None else [previous] if previous else [])
        shape = _output_shape(model, name)
        if shape:
            node.attr["output_shape"].s = shape.encode()
        previous = name
    return graph


def _callers(inbound: Any) -> list[str]:
    """Names of the layers whose outputs a layer is called on, from a Keras 3 `inbound_nodes` config."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            tensor = value.get("class_name") == "__keras_tensor__"
            history = value.get("config", {}).get("keras_history") if tensor else None
            if history:
                found.append(history[0])
                return
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(inbound or [])
    return list(dict.fromkeys(found))


def _output_shape(model: keras.Model, name: str) -> str | None:
    try:
        return str(tuple(model.get_layer(name).output.shape))
    except (AttributeError, ValueError):  # a layer without one output (none, or several)
        return None


def experiment(
    space: sp.SearchSpace, objective: str | None = None
) -> tuple[list[hparams_api.HParam], list[hparams_api.Metric]]:
    """Returns `(hparams, metrics)` of the HParams experiment for a `SearchSpace`.

    Hyperparameters come in `space.ranked_names()` order (the dashboard shows its first
    columns), without those no trial can have (`units_2` of a one-layer space). The metric is each
    trial's best-epoch value of the `objective` (`best_<objective>`, the value the tuner ranks trials
    by; without one, the last epoch's `val_loss`): every curve is in the Scalars tab, and a second
    metric column would not fit a 1,600 px screen beside the hyperparameters.
    """
    hp = keras_tuner.HyperParameters()
    space.register_all(hp)
    # KerasTuner's own converter, so the domains match the sessions it writes.
    converted = {h.name: as_text(h) for h in kt.convert_hyperparams_to_hparams(_AllActive(hp.space), hparams_api)}
    hparams = [converted[name] for name in space.ranked_names() if name in converted]
    hparams.append(
        hparams_api.HParam(CUDNN, hparams_api.Discrete([False, True]), display_name="cuDNN-eligible (on a GPU)")
    )
    if objective:
        return hparams, [hparams_api.Metric(best_tag(objective), display_name=f"{objective} (best epoch)")]
    return hparams, [hparams_api.Metric("val_loss")]


def as_text(hparam: hparams_api.HParam) -> hparams_api.HParam:
    """`hparam` with a discrete domain of integers as text (`"32"`, `"128"`), else as it is.

    The HParams tab has no integer type: it shows every number to 5 significant digits (`32.000`,
    `128.00`). A discrete domain can hold text instead, shown as written (it then sorts as text).
    """
    domain = hparam.domain
    if isinstance(domain, hparams_api.Discrete) and domain.dtype is int:
        text = hparams_api.Discrete([str(value) for value in domain.values])
        return hparams_api.HParam(hparam.name, text, hparam.display_name, hparam.description)
    return hparam


def trial_session(
    callbacks: list[keras.callbacks.Callback], values: Mapping[str, Any]
) -> list[keras.callbacks.Callback]:
    """The HParams session KerasTuner's callback in `callbacks` writes for the trial (`values`: its
    hyperparameters), with `CUDNN` (would its recurrent layers run on cuDNN on a GPU) added and the
    integers of discrete domains as text, as the experiment lists them (`as_text`)."""
    for callback in callbacks:
        if isinstance(callback, hparams_api.KerasCallback):  # read when the session starts
            callback._hparams = dict(_as_text_item(key, value) for key, value in callback._hparams.items())
            callback._hparams[CUDNN] = cudnn.eligible(values)
    return callbacks


def _as_text_item(key: Any, value: Any) -> tuple[Any, Any]:
    shown = as_text(key) if isinstance(key, hparams_api.HParam) else key
    return shown, (str(value) if shown is not key and value is not None else value)


def best_tag(objective: str) -> str:
    return f"best_{objective}"


def write_best(config: Any, trial: kt.Trial) -> None:
    """Logs a trial's score (its best epoch's objective, as the tuner ranks it) in its HParams session(s),
    at the step of that epoch in the trial's curves."""
    if trial.score is None:
        return
    # KerasTuner counts `best_step` from the trial's own first epoch; the curves count a Hyperband
    # continuation's from its parent's (`tuner/initial_epoch`), as Keras's `fit` numbers them.
    step = trial.hyperparameters.values.get("tuner/initial_epoch", 0) + (trial.best_step or 0)
    count = executions(config)
    for execution in range(count):
        writer = tf.summary.create_file_writer(run_dir(config.layout.tensorboard, trial.trial_id, execution, count))
        with writer.as_default():
            # The objective is resolved for the loaded data by then (`pipeline.resolve_objective`).
            tf.summary.scalar(best_tag(config.budget.objective), trial.score, step=step)  # type: ignore[arg-type]
        writer.close()


def experiment_summary(config: Any) -> bytes:
    """The search's HParams experiment, serialized, for every run to carry."""
    # `Config` sets the space (the task's model's default where none is given).
    hparams, logged = experiment(config.space, config.budget.objective)  # type: ignore[arg-type]
    tuned = config.space.tuned  # type: ignore[union-attr]
    searched = [name for name in config.space.ranked_names() if name in tuned]  # type: ignore[union-attr]
    summary = shown_first(hparams_api.hparams_config_pb(hparams=hparams, metrics=logged), searched[:VISIBLE])
    return summary.SerializeToString()


def shown_first(summary: "tf.compat.v1.Summary", names: Sequence[str]) -> "tf.compat.v1.Summary":
    """The experiment `summary` with `names` marked `differs`: the HParams tab shows those columns.

    The tab ticks its first `VISIBLE` hyperparameters, those marked `differs` first, the
    rest by name; without the mark it would show `batch_size`, `bidirectional`, `cell`,
    `clipnorm` and `dropout`, whatever the search varies.
    """
    value = summary.value[0]
    data = plugin_data_pb2.HParamsPluginData.FromString(value.metadata.plugin_data.content)
    for info in data.experiment.hparam_infos:
        info.differs = info.name in names
    value.metadata.plugin_data.content = data.SerializeToString()
    return summary


class _AllActive:
    """A view of a space in which every hyperparameter counts as active, with no value."""

    def __init__(self, space: Any) -> None:
        self.space = space

    def get(self, name: str) -> None:
        return None
