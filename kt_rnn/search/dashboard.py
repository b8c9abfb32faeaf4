"""TensorBoard for a search: one callback (with each model's layer graph), plus the HParams experiment.

KerasTuner copies the callback for each trial into `<root>/<trial_id>/execution<k>`
and logs that run's HParams session, but writes no experiment config and
misses hyperparameters first declared in `HyperModel.fit`. The experiment
written here lists every hyperparameter of the space (batch size included) and
the train/validation metrics, so the HParams tab shows every trial and column.
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

METRICS = ("loss", "accuracy")  # a classifier's; `write_experiment` takes the model's own
GROUPS = ("train", "validation")  # the run subdirectories Keras's callback writes
VISIBLE = 5  # hyperparameter columns the HParams tab shows before the user ticks more
CUDNN = "cudnn_eligible"  # a trial's session value: its recurrent layers would run on cuDNN on a GPU


def callback(config: Any) -> "TensorBoard":
    """The TensorBoard callback to pass to `tuner.search`; KerasTuner makes it per trial."""
    return TensorBoard(log_dir=str(config.layout.tensorboard))


class TensorBoard(keras.callbacks.TensorBoard):
    """Keras's TensorBoard callback, with each trial's model drawn in the Graphs tab as its layers.

    Keras writes the model as a Keras-config summary that TensorBoard 2.21 cannot convert
    for Keras 3 models (the tab shows "Malformed GraphDef"; the graph route answers HTTP 500),
    and the train step's op graph, thousands of XLA and optimizer nodes. Instead, this writes
    one graph per run: a node per layer, its class as the op, its output shape as an attribute.
    """

    def __init__(self, log_dir: str, **kwargs: Any) -> None:
        super().__init__(log_dir=log_dir, write_graph=False, **kwargs)

    def set_model(self, model: keras.Model) -> None:
        super().set_model(model)
        writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "train"))
        with writer.as_default():
            tf.summary.graph(layer_graph(model))
        writer.close()


def layer_graph(model: keras.Model) -> "tf.compat.v1.GraphDef":
    """A `GraphDef` of `model`'s layers: one node per layer, an edge from each layer it is called on."""
    graph = tf.compat.v1.GraphDef()
    layers = model.get_config().get("layers", [])
    previous = None
    for spec in layers:
        node = graph.node.add(name=spec["name"], op=spec["class_name"])
        parents = _callers(spec.get("inbound_nodes"))
        node.input.extend(parents if spec.get("inbound_nodes") is not None else [previous] if previous else [])
        shape = _output_shape(model, spec["name"])
        if shape:
            node.attr["output_shape"].s = shape.encode()
        previous = spec["name"]
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
    space: sp.SearchSpace, metrics: Sequence[str] = METRICS, objective: str | None = None
) -> tuple[list[hparams_api.HParam], list[hparams_api.Metric]]:
    """Returns `(hparams, metrics)` of the HParams experiment for a `SearchSpace` and Keras metric names.

    Hyperparameters come in `space.ranked_names()` order (the dashboard shows its first
    columns), without those no trial can have (`units_2` of a one-layer space). With an
    `objective`, the first metric is each trial's best-epoch value of it (`best_metric`),
    the value the tuner ranks trials by.
    """
    hp = keras_tuner.HyperParameters()
    space.register_all(hp)
    # KerasTuner's own converter, so the domains match the sessions it writes.
    converted = {h.name: h for h in kt.convert_hyperparams_to_hparams(_AllActive(hp.space), hparams_api)}
    hparams = [converted[name] for name in space.ranked_names() if name in converted]
    hparams.append(
        hparams_api.HParam(CUDNN, hparams_api.Discrete([False, True]), display_name="cuDNN-eligible (on a GPU)")
    )
    logged = [
        hparams_api.Metric(f"epoch_{name}", group=group, display_name=f"{name} ({group})")
        for group in GROUPS
        for name in metrics
    ]
    if objective:
        logged.insert(0, hparams_api.Metric(best_tag(objective), display_name=f"{objective} (best epoch)"))
    return hparams, logged


def with_cudnn(callbacks: list[keras.callbacks.Callback], values: Mapping[str, Any]) -> list[keras.callbacks.Callback]:
    """Adds `CUDNN` (would this trial's recurrent layers run on cuDNN on a GPU) to the HParams
    session that KerasTuner's callback in `callbacks` writes for the trial (`values`: its hyperparameters)."""
    for callback in callbacks:
        if isinstance(callback, hparams_api.KerasCallback):
            callback._hparams[CUDNN] = cudnn.eligible(values)  # read when the session starts
    return callbacks


def best_tag(objective: str) -> str:
    return f"best_{objective}"


def write_best(config: Any, trial: kt.Trial) -> None:
    """Logs a trial's score (its best epoch's objective, as the tuner ranks it) in its HParams session."""
    if trial.score is None:
        return
    run = config.layout.tensorboard / trial.trial_id / "execution0"
    writer = tf.summary.create_file_writer(str(run))
    with writer.as_default():
        # The objective is resolved for the loaded data by then (`pipeline.resolve_objective`).
        tf.summary.scalar(best_tag(config.budget.objective), trial.score, step=trial.best_step or 0)  # type: ignore[arg-type]
    writer.close()


def write_experiment(config: Any, metrics: Sequence[str] = METRICS) -> None:
    """Writes the HParams experiment config at the TensorBoard root, once per search.

    `metrics`: the names the model logs per epoch, `loss` included (e.g. `("loss", "accuracy")`).
    """
    root = config.layout.tensorboard
    if root.is_dir() and any(root.glob("events.out.tfevents.*")):
        return
    # `Config` sets the space (the task's model's default where none is given).
    hparams, metrics = experiment(config.space, metrics, config.budget.objective)  # type: ignore[arg-type]
    searched = [
        name
        for name in config.space.ranked_names()  # type: ignore[union-attr]
        if config.space.domain(name).kind != sp.FIXED
    ]  # type: ignore[union-attr]
    summary = shown_first(hparams_api.hparams_config_pb(hparams=hparams, metrics=metrics), searched[:VISIBLE])
    writer = tf.summary.create_file_writer(str(root))
    with writer.as_default():
        tf.summary.experimental.write_raw_pb(summary.SerializeToString(), step=0)
    writer.close()


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
