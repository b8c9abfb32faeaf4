"""The devices a search trains on: which GPUs, at what precision, replicated or not.

`configure(config)` runs once at the start of a search, before any model is
built: it seeds Keras, makes only `--gpus` visible, lets every visible GPU's
memory grow (trials, TensorBoard and the export share it), prints one line
naming the devices, warns once when the search space can take trials off
cuDNN's fused kernel, and resolves `--mixed-precision` and `--strategy`.
Parsing and formatting are pure functions; TensorFlow is imported when
`configure` runs.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from hypermodels import cudnn
from kt_rnn.errors import UsageError

if TYPE_CHECKING:
    import tensorflow as tf


PRECISIONS = ("float32", "mixed", "mixed_float16", "mixed_bfloat16")  # "mixed": by device (see `precision`)
STRATEGIES = ("default", "mirrored")


def parse_gpus(text: str | None) -> tuple[int, ...] | None:
    """`--gpus 0,1` -> `(0, 1)`; `none` -> `()` (the CPU only); raises `UsageError`."""
    if text is None:
        return None
    if text.strip().lower() in ("none", "cpu", ""):
        return ()
    try:
        ids = tuple(int(part) for part in text.split(","))
    except ValueError:
        ids = (-1,)
    if any(i < 0 for i in ids) or len(set(ids)) != len(ids):
        raise UsageError(
            f"Expected --gpus as distinct GPU indices, e.g. 0 or 0,1 (or none for the CPU). Received: gpus={text!r}"
        )
    return ids


def precision(requested: str, has_gpu: bool) -> str:
    """The Keras dtype policy for `requested` (one of `PRECISIONS`) on a machine with or without a GPU.

    `mixed` is float16 compute on a GPU (its tensor cores) and bfloat16 on a CPU:
    there float16 is emulated, bfloat16 runs natively on CPUs with AVX512-BF16 or AMX.
    """
    if requested != "mixed":
        return requested
    return "mixed_float16" if has_gpu else "mixed_bfloat16"


def describe(devices: Iterable[tuple[str, str | None]]) -> str:
    """One line from `[(kind, name)]`, e.g. `Devices: CPU, GPU:0 (NVIDIA H200), GPU:1 (NVIDIA H200)`."""
    shown = [kind if not name else f"{kind} ({name})" for kind, name in devices]
    return "Devices: " + ", ".join(shown)


def configure(config: Any) -> str:
    """Prepares TensorFlow for `config`'s search; returns the models' dtype policy.

    Raises:
        UsageError: `--gpus` names a GPU this machine lacks, or `--strategy mirrored` has no GPU.
    """
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(config.budget.seed)
    chosen = _select_gpus(tf, config.runtime.gpus)
    gpus = [gpu for _, gpu in chosen]
    for gpu in gpus:
        tf.config.experimental.set_memory_growth(gpu, True)  # share the GPU between trials and tools
    print(describe([("CPU", None)] + [(f"GPU:{i}", _gpu_name(tf, gpu)) for i, gpu in chosen]))
    for line in cudnn.space_warnings(config.space) if gpus else ():  # type: ignore[arg-type]  # Config resolves it
        print(line)
    policy = precision(config.runtime.precision, bool(gpus))
    if policy == "mixed_bfloat16" and not gpus:
        print(
            "Mixed precision (bfloat16) on a CPU: measured 0.78x the float32 speed on a 2-core AVX512-BF16 "
            "CPU (BENCHMARKS.md); it pays on CPUs with AMX."
        )
    if config.runtime.strategy == "mirrored" and not gpus:
        raise UsageError(
            "--strategy mirrored replicates each trial over the GPUs, and none is visible. Remove it on a CPU machine."
        )
    return policy


def _select_gpus(tf, wanted):
    """`[(physical index, device)]` of the GPUs to train on; only they stay visible."""
    gpus = tf.config.list_physical_devices("GPU")
    if wanted is None:
        return list(enumerate(gpus))
    missing = [i for i in wanted if i >= len(gpus)]
    if missing:
        have = f"GPUs 0-{len(gpus) - 1}" if gpus else "no GPU"
        raise UsageError(
            f"--gpus names GPU {missing[0]}, but this machine has {have}. Choose among them "
            "(or --gpus none for the CPU)."
        )
    try:
        tf.config.set_visible_devices([gpus[i] for i in wanted], "GPU")
    except RuntimeError:  # TensorFlow's devices were initialised already (an earlier search in this process)
        raise UsageError(
            "--gpus applies only before TensorFlow first uses its devices: run the search in a new "
            "process, or set CUDA_VISIBLE_DEVICES before starting Python."
        ) from None
    return [(i, gpus[i]) for i in wanted]


def _gpu_name(tf, gpu):
    try:
        return tf.config.experimental.get_device_details(gpu).get("device_name")
    except (RuntimeError, ValueError):
        return None


def strategy(name: str) -> "tf.distribute.Strategy | None":
    """KerasTuner's `distribution_strategy` for `--strategy NAME`: `None`, or a `MirroredStrategy`
    over the visible GPUs (each trial's batch is split evenly over them)."""
    if name == "default":
        return None
    import tensorflow as tf

    return tf.distribute.MirroredStrategy()
