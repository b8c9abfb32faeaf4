"""Refits of a forecaster averaged, chosen on validation windows only: one model against the mean of several.

The export refits the best trial's hyperparameters on train + validation for its best epoch
count: one draw of the initial weights and of the shuffling, which moved a short series' test MAE
by up to a third between otherwise equal runs (BENCHMARKS.md). Whether averaging several such
refits (each from its own seed) should be the default is decided here on validation data: for each
finished search (`bench/forecast_corpus.py --logdir`), the best trial's hyperparameters are trained
`--members` times on the training part before the validation origin (each fold's, with `--folds
all`), for the trial's best epoch count, as the export's refit trains on everything before the
test origin; each model, and the mean of the first k of them, is scored on that validation part.
The test part is never read.

    python bench/refits.py /tmp/c3/s42/*_42/* --members 5 --json /tmp/refits.json

Each argument is a search's directory (LOGDIR/PROJECT: its config.toml, tuner/ and best/).
"""

import argparse
import json
import pathlib
import statistics
import sys
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("searches", nargs="+", type=pathlib.Path, help="finished searches (LOGDIR/PROJECT)")
    parser.add_argument("--members", type=int, default=5, help="models trained per validation part (default 5)")
    parser.add_argument("--folds", choices=("last", "all"), default="last", help="which validation parts")
    parser.add_argument("--json", type=pathlib.Path, help="write the figures here (after each search)")
    return parser.parse_args(argv)


def loaded(root):
    """`(dataset, hypermodel, config)` of the search in `root`, as its run built them."""
    from kt_rnn import runfile
    from kt_rnn.config import Config
    from kt_rnn.search import pipeline, plan

    config = Config.from_options(runfile.load(root / "config.toml"))
    dataset = pipeline._load(config, None)
    config = pipeline.resolve_objective(config, dataset)
    config, _ = plan.plan(config, dataset)
    return dataset, config.task.implementation().hypermodel(config, dataset), config


def best(root):
    """`(hyperparameters, epochs, trial id)` of the search's best trial, as its export read them."""
    import keras_tuner

    metrics = json.loads((root / "best" / "metrics.json").read_text())
    trial = json.loads((root / "tuner" / f"trial_{metrics['best_trial']}" / "trial.json").read_text())
    return keras_tuner.HyperParameters.from_config(trial["hyperparameters"]), metrics["best_epoch"], trial["trial_id"]


def scored(hypermodel, hp, train, validation, epochs, seeds):
    """Each seed's model trained on `train` for `epochs`; returns `(targets, [predictions])`, scaled."""
    import keras
    import numpy as np

    from hypermodels import space as sp

    window, predict = hp.values[sp.WINDOW], hp.values[sp.PREDICT]
    part = hypermodel.scaled(validation, window, predict).batch(256)
    targets = np.concatenate([y for _, y in part.as_numpy_iterator()])
    predictions = []
    for seed in seeds:
        keras.utils.set_random_seed(seed)
        hypermodel.seed = seed  # the shuffling of the training windows too
        model = hypermodel.build(hp)
        hypermodel.fit(hp, model, train, epochs=epochs, verbose=0)
        predictions.append(model.predict(part, verbose=0))
    return targets, predictions


def figures(targets, predictions, std):
    """MAE in the target's units of each model, and of the mean of the first k models (k = 2..n)."""
    import numpy as np

    single = [float(np.abs(p - targets).mean() * std) for p in predictions]
    means = {
        k: float(np.abs(np.mean(predictions[:k], axis=0) - targets).mean() * std)
        for k in range(2, len(predictions) + 1)
    }
    return {"single": single, "mean_of": means}


def one_search(root, members, folds):
    dataset, hypermodel, config = loaded(root)
    hp, epochs, trial = best(root)
    parts = [(dataset.train, dataset.validation)]
    if folds == "all" and (config.budget.folds or 1) > 1:
        parts = dataset.train.folds(dataset.validation, config.budget.folds)
    seeds = [1000 * config.budget.seed + i for i in range(members)]
    started = time.perf_counter()
    found = [figures(*scored(hypermodel, hp, t, v, epochs, seeds), dataset.spec["target_std"]) for t, v in parts]
    return {
        "search": str(root),
        "trial": trial,
        "epochs": epochs,
        "parts": found,
        "seconds": time.perf_counter() - started,
    }


def line(run):
    cells = []
    for part in run["parts"]:
        single, means = part["single"], part["mean_of"]
        middle = statistics.median(single)
        cells.append(
            f"single median {middle:.4g} [{min(single):.4g}-{max(single):.4g}]; "
            + ", ".join(f"mean of {k} {v:.4g} ({v / middle:.3f}x)" for k, v in means.items())
        )
    return f"{run['search']}: " + " | ".join(cells) + f" ({run['seconds']:.0f} s)"


def main(argv=None):
    args = parse_args(argv)
    runs = []
    for root in args.searches:
        runs.append(one_search(root, args.members, args.folds))
        print(line(runs[-1]), flush=True)
        if args.json:
            args.json.write_text(json.dumps(runs, indent=2) + "\n")
    ratios = {
        k: [part["mean_of"][k] / statistics.median(part["single"]) for run in runs for part in run["parts"]]
        for k in runs[0]["parts"][0]["mean_of"]
    }
    for k, values in ratios.items():
        print(
            f"mean of {k} / median single model, over {len(values)} validation parts: geometric mean "
            f"{statistics.geometric_mean(values):.3f}, median {statistics.median(values):.3f} "
            f"[{min(values):.3f}-{max(values):.3f}]"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
