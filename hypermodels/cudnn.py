"""Whether a recurrent layer runs on cuDNN's fused kernel on a GPU, and why not: a pure function.

On a GPU with TensorFlow, Keras's GRU and LSTM use the cuDNN kernel only when
(`keras/src/layers/rnn/gru.py`, `lstm.py`, `keras/src/backend/tensorflow/rnn.py`):
recurrent dropout is 0, the activation is tanh and the recurrent activation
sigmoid, the layer is not unrolled, it has a bias, a GRU uses `reset_after`, and
the mask (if any) is right-padded (a left-padded mask raises). SimpleRNN has no
cuDNN kernel at all. Outside the kernel an epoch is typically several times
slower; inside it, XLA is off for the model (cuDNN ops do not compile).

kt_rnn's models keep every fixed condition (default activations, bias, no
unroll, `reset_after`, text padded at the end), so a trial's eligibility follows
from two hyperparameters: `cell` and `recurrent_dropout`. Pure Python: no
TensorFlow import.
"""

from collections.abc import Mapping
from typing import Any

from hypermodels import space as sp

CUDNN_CELLS = ("gru", "lstm")
SLOWDOWN = "an epoch typically takes 3-10x longer on a GPU outside cuDNN's fused kernel"


def reasons(
    cell: str | None,
    recurrent_dropout: float = 0.0,
    activation: str = "tanh",
    recurrent_activation: str = "sigmoid",
    unroll: bool = False,
    use_bias: bool = True,
    reset_after: bool = True,
    right_padded: bool = True,
) -> list[str]:
    """Why a recurrent layer would not run on cuDNN on a GPU; `[]` when it would.

    Args:
        cell: `"simple_rnn"`, `"gru"` or `"lstm"`.
        recurrent_dropout: float, defaults to 0.
        activation: name, defaults to `"tanh"`.
        recurrent_activation: name, defaults to `"sigmoid"`.
        unroll: bool, defaults to False.
        use_bias: bool, defaults to True.
        reset_after: bool, defaults to True (GRU only).
        right_padded: bool, defaults to True: the mask, if any, pads at the end.

    Example:

    >>> reasons("gru", recurrent_dropout=0.2)
    ['recurrent_dropout=0.2 (cuDNN needs 0)']
    """
    if cell not in CUDNN_CELLS:
        return [f"cell={cell} (no cuDNN kernel: only {' and '.join(CUDNN_CELLS)} have one)"]
    checks = [
        (not recurrent_dropout, f"recurrent_dropout={recurrent_dropout} (cuDNN needs 0)"),
        (activation == "tanh", f"activation={activation} (cuDNN needs tanh)"),
        (recurrent_activation == "sigmoid", f"recurrent_activation={recurrent_activation} (cuDNN needs sigmoid)"),
        (not unroll, "unroll=True (cuDNN needs False)"),
        (use_bias, "use_bias=False (cuDNN needs True)"),
        (cell != "gru" or reset_after, "reset_after=False (cuDNN's GRU needs True)"),
        (right_padded, "a left-padded mask (cuDNN needs padding at the end; Keras raises)"),
    ]
    return [reason for ok, reason in checks if not ok]


def of_trial(values: Mapping[str, Any]) -> list[str]:
    """`reasons` for a trial of kt_rnn's models, from its hyperparameter values `{name: value}`."""
    return reasons(values.get(sp.CELL), values.get(sp.RECURRENT_DROPOUT, 0.0))


def eligible(values: Mapping[str, Any]) -> bool:
    """True when a trial's recurrent layers (hyperparameter `values`) run on cuDNN on a GPU."""
    return not of_trial(values)


def space_warnings(space: sp.SearchSpace) -> list[str]:
    """One line per hyperparameter of `space` that can take a trial off cuDNN, naming the values."""
    lines = []
    cells = sorted(
        c
        for c in sp.possible_values(space.domain(sp.CELL))  # type: ignore[union-attr]  # never a range
        if c not in CUDNN_CELLS
    )
    if cells:
        lines.append((f"{sp.CELL} can be {', '.join(cells)}, which has no cuDNN kernel", f"{sp.CELL}=gru"))
    dropout = space.domain(sp.RECURRENT_DROPOUT)
    values = sp.possible_values(dropout)
    if values is None or any(values):
        shown = f"up to {dropout.max_value}" if values is None else ", ".join(map(str, sorted(v for v in values if v)))
        lines.append((f"{sp.RECURRENT_DROPOUT} can be {shown} (cuDNN needs 0)", f"{sp.RECURRENT_DROPOUT}=0"))
    return [f"cuDNN: {what}; {SLOWDOWN}. --fix {fix} keeps every trial on cuDNN." for what, fix in lines]
