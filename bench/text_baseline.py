"""What the text baseline costs and scores on IMDB: TF-IDF + logistic regression as a search fits it.

Fits `kt_rnn.tasks.baselines.tfidf_logistic_regression` on the training reviews a search's refit
trains on (all of `--train-size`, default 25,000) and scores it once on the test reviews
(`--test-size`, default 25,000), with kt_rnn's own seeded sampling; prints the scores and the fit
time (vectorizing, fitting and scoring). Repeats `--rounds` times for the spread of the time.

    python bench/text_baseline.py --rounds 3
    python bench/text_baseline.py --train-size 10000 --test-size 5000   # the quick preset's sizes
"""

import argparse
import json
import os
import pathlib
import statistics
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
IMDB = pathlib.Path(os.environ.get("KT_RNN_DATA", REPO.parent / "shared" / "data" / "aclImdb_v1.tar.gz"))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-size", type=int, help="training reviews (default all 25,000)")
    parser.add_argument("--test-size", type=int, help="test reviews (default all 25,000)")
    parser.add_argument("--seed", type=int, default=42, help="the sampling seed, as a search's --seed")
    parser.add_argument("--rounds", type=int, default=1)
    return parser.parse_args(argv)


def _sample(texts, labels, size, seed):
    import numpy as np

    from kt_rnn.data import text  # the search's own stratified sample (imports TensorFlow)

    texts, labels = np.asarray(texts, dtype=object), np.asarray(labels)
    if size is None or size >= len(labels):
        return texts, labels
    mask = text._sample(labels, size, np.random.default_rng(seed))
    return texts[mask], labels[mask]


def main(argv=None):
    from kt_rnn.data import imdb
    from kt_rnn.tasks import baselines

    args = parse_args(argv)
    reviews = imdb.read(IMDB)
    train = _sample(*reviews["train"], args.train_size, args.seed)
    test = _sample(*reviews["test"], args.test_size, args.seed + 1)
    runs = [baselines.tfidf_logistic_regression(train, test, imdb.CLASS_NAMES) for _ in range(args.rounds)]
    seconds = [run["fit_seconds"] for run in runs]
    print(
        json.dumps(
            {
                "train": len(train[1]),
                "test": len(test[1]),
                **{k: v for k, v in runs[0].items() if k != "fit_seconds"},
                "fit_seconds": seconds,
                "median_s": statistics.median(seconds),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
