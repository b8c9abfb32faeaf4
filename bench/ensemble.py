"""Test accuracy of exported IMDB models alone and averaged: does the mean of several models pay?

Loads each export's SavedModel (`LOGDIR/PROJECT/best/saved_model`, raw reviews in,
probabilities out), scores the same seeded sample of IMDB test reviews (kt_rnn's own
`--test-size`/`--seed` sampling, so it is the sample those searches scored on), then
every combination of two or more models by the mean of their probabilities.
Models of different vocabularies and lengths can be averaged: each reads raw text.

    python bench/ensemble.py /tmp/probeA/imdb/best /tmp/probeB/imdb/best --test-size 10000 --seed 42
"""

import argparse
import itertools
import os
import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
IMDB = pathlib.Path(os.environ.get("KT_RNN_DATA", REPO.parent / "shared" / "data" / "aclImdb_v1.tar.gz"))
BATCH = 500


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exports", nargs="+", type=pathlib.Path, help="best/ directories of IMDB searches")
    parser.add_argument("--test-size", type=int, help="the searches' --test-size (default all 25,000)")
    parser.add_argument("--seed", type=int, default=42, help="the searches' --seed (default 42)")
    return parser.parse_args(argv)


def test_reviews(test_size, seed):
    """The test sample a search with `--test-size`, `--seed` scores on: `(texts, labels)`."""
    from kt_rnn.data import imdb, text

    return text._subsample(*imdb.read(IMDB)["test"], test_size, seed + 1)  # as text.build draws it


def probabilities(export, texts):
    import numpy as np
    import tensorflow as tf

    served = tf.saved_model.load(str(export / "saved_model"))

    def positive(batch):
        out = served.serve(tf.constant(list(batch)))
        return (out["probabilities"] if isinstance(out, dict) else out).numpy().ravel()  # named since 2026-12-05

    return np.concatenate([positive(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)])


def main(argv=None):
    import numpy as np

    args = parse_args(argv)
    texts, labels = test_reviews(args.test_size, args.seed)
    probs = {str(e): probabilities(e, texts) for e in args.exports}
    print(f"{len(labels)} test reviews")
    for size in range(1, len(probs) + 1):
        for combo in itertools.combinations(probs, size):
            accuracy = ((np.mean([probs[c] for c in combo], axis=0) > 0.5) == labels).mean()
            print(f"{accuracy:.4f}  {' + '.join(combo)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
