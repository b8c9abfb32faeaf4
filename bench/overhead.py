"""What kt_rnn's machinery costs a search: its trials against the same models fitted by hand, side by side.

One process, `--rounds` rounds. Each round runs a kt_rnn search (random tuner, `--trials` trials of
`--epochs` epochs, no early stop, no refit) and then replays every completed trial by hand on the
very same `tf.data` splits and HyperModel: `clear_session`, `hypermodel.build(hp)`, then
`hypermodel.fit(hp, model, train, validation_data=..., epochs=E)` with no callback at all. The
search's wall time is split, by timing each piece where it runs, into:

- build: KerasTuner's `_try_build` (clear_session, build, compile) per trial;
- training: `model.fit` less the time inside kt_rnn's callbacks;
- each callback's own time: TensorBoard (`TensorBoard`), the per-epoch checkpoint and the
  best-epoch weights (`SaveBestEpoch`), the epoch record (`EpochRecord`, the state file that makes
  a trial resumable), and the rest (stop on a signal, on NaN, at chance);
- oracle: KerasTuner's `create_trial`, `update_trial`, `end_trial` and `save` (its state files);
- between trials: the rest of the search's wall time (trial directories, hyperparameter display,
  the trial's build config, KerasTuner's own bookkeeping).

A one-trial search and its replay run first and are not counted: the first model a process builds
pays TensorFlow's one-time costs, which would otherwise fall on whichever side runs first. The
hand-fitted side is split into build and fit. Both sides' whole-search figures and the ratio
are printed per round, then the median [min-max] over the rounds.

    python bench/overhead.py --dataset sequence --trials 8 --epochs 3 --rounds 3 --compare-build
    python bench/overhead.py --dataset imdb --trials 3 --epochs 2 --rounds 2      # the default IMDB model

`sequence` makes 2,000 random sequences of 20 steps x 3 features (a tiny search, seconds a trial);
`imdb` reads the shared IMDB archive (20,000 training reviews, kt_rnn's default space).
"""

import argparse
import contextlib
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
IMDB = pathlib.Path(os.environ.get("KT_RNN_DATA", REPO.parent / "shared" / "data" / "aclImdb_v1.tar.gz"))
HOOKS = (
    "on_train_begin",
    "on_train_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_begin",
    "on_test_end",
    "on_test_batch_begin",
    "on_test_batch_end",
)
ORACLE_CALLS = ("create_trial", "update_trial", "end_trial", "save")
CALLBACK_GROUPS = {"TensorBoard": "tensorboard", "SaveBestEpoch": "checkpoints", "EpochRecord": "epoch record"}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=("sequence", "imdb"), default="sequence")
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument(
        "--compare-build",
        action="store_true",
        help="each round also runs the search building as KerasTuner's _try_build does (a second gc.collect "
        "a trial), in alternating order, and prints both",
    )
    return parser.parse_args(argv)


class Probe:
    """Seconds spent in each piece of kt_rnn's search, measured where the piece runs."""

    def __init__(self, keras_tuner_build=False):
        self.keras_tuner_build = keras_tuner_build  # build as KerasTuner's `_try_build` (two collections)
        self.seconds = {}
        self.depth = 0
        self.split = None  # (train, validation) the search trained on
        self.tuner = None

    def add(self, name, seconds):
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    @contextlib.contextmanager
    def installed(self):
        import keras_tuner

        from kt_rnn.search import tuners
        from kt_rnn.state import kerastuner as kt

        patches = [
            (tuners.DurableTuner, "search", self._search(tuners.DurableTuner.search)),
            (kt, "try_build", self._timed("build", _keras_tuners_build if self.keras_tuner_build else kt.try_build)),
            (tuners.DurableTuner, "_trial_callbacks", self._wrapped(tuners.DurableTuner._trial_callbacks)),
            *[(keras_tuner.Oracle, name, self._oracle(getattr(keras_tuner.Oracle, name))) for name in ORACLE_CALLS],
        ]
        saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
        for owner, name, replacement in patches:
            setattr(owner, name, replacement)
        try:
            yield self
        finally:
            for owner, name, original in saved:
                setattr(owner, name, original)

    def _search(self, original):
        probe = self

        def search(tuner, *args, **kwargs):
            probe.tuner, probe.split = tuner, (args[0], kwargs.get("validation_data"))
            started = time.perf_counter()
            try:
                return original(tuner, *args, **kwargs)
            finally:
                probe.add("search", time.perf_counter() - started)

        return search

    def _timed(self, name, original):
        return timing(self, name, original)

    def _oracle(self, original):
        probe = self

        def call(oracle, *args, **kwargs):  # outermost call only: the oracle's methods call each other
            probe.depth += 1
            started = time.perf_counter()
            try:
                return original(oracle, *args, **kwargs)
            finally:
                probe.depth -= 1
                if probe.depth == 0:
                    probe.add("oracle", time.perf_counter() - started)

        return call

    def _wrapped(self, original):
        probe = self

        def callbacks(tuner, *args, **kwargs):
            return [timed_callback(callback, probe) for callback in original(tuner, *args, **kwargs)]

        return callbacks


def _keras_tuners_build(tuner, hp):
    return tuner._try_build(hp)  # clear_session (collects), then gc.collect() again


def timing(probe, name, function):
    """`function`, its seconds added to `probe` under `name` at each call."""

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            probe.add(name, time.perf_counter() - started)

    return timed


def timed_callback(inner, probe):
    """`inner`, each of its hooks timed into `probe` under its group (`CALLBACK_GROUPS`, else "other callbacks")."""
    import keras

    group = CALLBACK_GROUPS.get(type(inner).__name__, "other callbacks")

    class Timed(keras.callbacks.Callback):
        def set_model(self, model):
            inner.set_model(model)
            super().set_model(model)

        def set_params(self, params):
            inner.set_params(params)
            super().set_params(params)

    def hook(name):
        timed = timing(probe, group, getattr(inner, name))
        return lambda self, *args, **kwargs: timed(*args, **kwargs)

    for name in HOOKS:  # only the hooks the callback has: Keras skips the others' batch calls
        if getattr(type(inner), name, None) is not getattr(keras.callbacks.Callback, name):
            setattr(Timed, name, hook(name))
    return Timed()


def kt_rnn_search(data, dataset, logdir, args, keras_tuner_build=False):
    """The search's figures, and what the hand-fitted replay needs (tuner, split)."""
    import kt_rnn

    probe = Probe(keras_tuner_build)
    options = dict(tuner="random", max_trials=args.trials, max_epochs=args.epochs, patience=args.epochs)
    options.update(logdir=str(logdir), quiet=True, baselines="none", no_refit=True, seed=42)
    if dataset == "sequence":
        options["fix"] = ["units_0=16", "num_layers=1", "cell=gru", "batch_size=64", "bidirectional=false"]
    else:
        options.update(test_size=1000)
    with probe.installed():
        kt_rnn.tune(data, dataset=dataset, **options)
    probe.add("fit", probe.tuner.fit_seconds)
    return probe


def replay(probe):
    """Each completed trial of the search fitted again by hand, as many epochs as it trained there."""
    import keras

    from kt_rnn.state import resume

    hypermodel, (train, validation) = probe.tuner.hypermodel, probe.split
    build = fit = epochs = 0.0
    for trial in probe.tuner.oracle.trials.values():
        if trial.status != "COMPLETED":
            continue
        ran = len(resume.EpochRecord(f"{probe.tuner.get_trial_dir(trial.trial_id)}/execution0").finite_epochs())
        started = time.perf_counter()
        keras.backend.clear_session()
        model = hypermodel.build(trial.hyperparameters)
        built = time.perf_counter()
        hypermodel.fit(trial.hyperparameters, model, train, validation_data=validation, epochs=ran, verbose=0)
        build, fit, epochs = build + built - started, fit + time.perf_counter() - built, epochs + ran
    return {"build": build, "fit": fit, "epochs": epochs}


def figures(probe, plain):
    s = probe.seconds
    callbacks = {group: s.get(group, 0.0) for group in (*CALLBACK_GROUPS.values(), "other callbacks")}
    training = s["fit"] - sum(callbacks.values())
    between = s["search"] - s.get("build", 0.0) - s["fit"] - s.get("oracle", 0.0)
    hand = plain["build"] + plain["fit"]
    return {
        "search_s": s["search"],
        "by_hand_s": hand,
        "ratio": s["search"] / hand,
        "extra_s": s["search"] - hand,
        "kt_rnn": {
            "build": s.get("build", 0.0),
            "training": training,
            **callbacks,
            "oracle": s.get("oracle", 0.0),
            "between trials": between,
        },  # fmt: skip
        "by_hand": {"build": plain["build"], "training": plain["fit"]},
        "trials": len([t for t in probe.tuner.oracle.trials.values() if t.status == "COMPLETED"]),
        "epochs": plain["epochs"],
    }


def _sequences(path):
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 20, 3)).astype("float32")
    np.savez(path, x=x, y=(x[:, :, 0].mean(axis=1) > 0).astype("int64"))
    return str(path)


def _median(values):
    return f"{statistics.median(values):.3g} [{min(values):.3g}-{max(values):.3g}]"


def main(argv=None):
    args = parse_args(argv)
    work = pathlib.Path(tempfile.mkdtemp(prefix="kt_rnn_overhead_"))
    data = _sequences(work / "seq.npz") if args.dataset == "sequence" else str(IMDB)
    warm = argparse.Namespace(**{**vars(args), "trials": 1, "epochs": 1})
    replay(kt_rnn_search(data, args.dataset, work / "warm-up", warm))  # TensorFlow's first-model costs, on neither side
    rounds, kerastuner = [], []
    for number in range(args.rounds):
        ways = [False, True] if args.compare_build else [False]
        for keras_tuner_build in ways if number % 2 == 0 else ways[::-1]:
            probe = kt_rnn_search(
                data, args.dataset, work / f"round{number}{keras_tuner_build}", args, keras_tuner_build
            )
            found = figures(probe, replay(probe))
            (kerastuner if keras_tuner_build else rounds).append(found)
            print(json.dumps({"round": number, "keras_tuner_build": keras_tuner_build, **found}, default=_rounded))
    if kerastuner:
        print("\nBuilt as KerasTuner's _try_build (two collections a trial):")
        _show(kerastuner, args)
        print("\nBuilt by kt_rnn (one collection a trial):")
    _show(rounds, args)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"kt_rnn": rounds, "keras_tuner_build": kerastuner}, indent=1))
    return 0


def _rounded(value):
    return round(value, 3)


def _show(rounds, args):
    names = list(rounds[0]["kt_rnn"])
    print(f"\n{args.dataset}: {rounds[0]['trials']} trials, {rounds[0]['epochs']:.0f} epochs, {args.rounds} rounds")
    print(f"search {_median([r['search_s'] for r in rounds])} s | by hand {_median([r['by_hand_s'] for r in rounds])} s"
          f" | ratio {_median([r['ratio'] for r in rounds])} | per trial extra "
          f"{_median([r['extra_s'] / r['trials'] for r in rounds])} s")  # fmt: skip
    for name in names:
        share = [100 * r["kt_rnn"][name] / r["search_s"] for r in rounds]
        print(f"  {name:<16} {_median([r['kt_rnn'][name] for r in rounds])} s ({_median(share)} % of the search)")
    for name in ("build", "training"):
        print(f"  by hand {name:<8} {_median([r['by_hand'][name] for r in rounds])} s")


if __name__ == "__main__":
    sys.exit(main())
