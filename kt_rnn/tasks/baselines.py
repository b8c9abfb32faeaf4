"""Classical models fitted in the same run as the recurrent network, scored on the same test part.

What a practitioner fits first, with scikit-learn's own estimators: for texts, TF-IDF over words and
word pairs with a logistic regression. It trains on what the exported model trained on (the
training and validation parts) and is scored once, on the same test examples, so `metrics.json` and
the last lines of a run say plainly whether the recurrent network was worth its search.
"""

import re
import time

import numpy as np

TFIDF_LOGREG = "tfidf_logreg"
NAMES = {TFIDF_LOGREG: "TF-IDF + logistic regression"}
MAX_FEATURES = 200_000  # the most frequent words and word pairs: IMDB's 25,000 reviews hold ~1.5 million
_BREAK = re.compile(r"<br\s*/?>")


def tfidf_logistic_regression(train, test, class_names):
    """Fits TF-IDF (words and word pairs, sublinear term frequency) + logistic regression on `train`
    and scores it on `test`.

    Args:
        train: `(texts, labels)`: the texts it learns from, labels as class indices.
        test: `(texts, labels)`: the texts it is scored on, once.
        class_names: the class names, index = label.

    Returns:
        dict: `accuracy`, `macro_f1` (and `roc_auc` for two classes) as
        `kt_rnn.search.scores.classification` computes them for the network, and
        `fit_seconds`.

    Example:

    >>> texts = ["great film", "awful film", "great fun", "awful mess"] * 5
    >>> scores = tfidf_logistic_regression((texts, [1, 0, 1, 0] * 5), (["great", "awful"], [1, 0]), ["neg", "pos"])
    >>> scores["accuracy"]
    1.0
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from kt_rnn.search import scores as scores_lib

    started = time.perf_counter()
    model = make_pipeline(
        TfidfVectorizer(preprocessor=_plain, ngram_range=(1, 2), sublinear_tf=True, max_features=MAX_FEATURES),
        LogisticRegression(max_iter=1000),  # lbfgs: deterministic, no seed to set
    )
    model.fit(list(train[0]), np.asarray(train[1]))
    probabilities = _aligned(model, model.predict_proba(list(test[0])), len(class_names))
    found = scores_lib.classification(np.asarray(test[1]), probabilities, class_names)
    kept = {name: found[name] for name in ("accuracy", "macro_f1", "roc_auc") if name in found}
    return {**kept, "fit_seconds": round(time.perf_counter() - started, 1)}


def comparison_lines(scores):
    """One line per baseline in `scores["baselines"]`: its test scores and which model won, by how much.

    Example:

    >>> comparison_lines({"accuracy": 0.86, "baselines": {"tfidf_logreg": {"accuracy": 0.88, "macro_f1": 0.88}}})
    ['TF-IDF + logistic regression: test accuracy 0.8800 | macro-F1 0.8800 | the network is 2.0 points behind it']
    """
    return [f"{NAMES.get(name, name)}: {_scores_text(found)} | {_verdict(scores['accuracy'], found['accuracy'])}"
            for name, found in (scores.get("baselines") or {}).items()]


def _scores_text(found):
    return f"test accuracy {found['accuracy']:.4f} | macro-F1 {found['macro_f1']:.4f}"


def _verdict(network, baseline):
    points = 100 * (network - baseline)
    if abs(points) < 0.05:
        return "the network ties with it"
    return f"the network is {abs(points):.1f} points {'ahead of' if points > 0 else 'behind'} it"


def _plain(text):
    """Lower case, HTML line breaks as spaces (IMDB's reviews hold `<br />`)."""
    return _BREAK.sub(" ", text.lower())


def _aligned(model, probabilities, classes):
    """Probabilities in the network's form: P(class 1) `[n, 1]` for two classes, else one column a
    class (a class missing from the training part gets probability 0)."""
    full = np.zeros((len(probabilities), classes))
    full[:, model.classes_] = probabilities
    return full[:, 1:] if classes == 2 else full
