"""Classical models fitted in the same run as the recurrent network, scored on the same test part.

What a practitioner fits first, from the libraries that own them: for texts, TF-IDF over words and
word pairs with a logistic regression (scikit-learn); for series, an automatically chosen
exponential-smoothing model and ARIMA (statsforecast's `AutoETS` and `AutoARIMA`). Each learns
from what the exported model trained on (the training and validation parts) and is scored once, on
the same test examples or forecast windows, so `metrics.json` and the last lines of a run say
plainly whether the recurrent network was worth its search.
"""

import re
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

TFIDF_LOGREG = "tfidf_logreg"
AUTO_ETS, AUTO_ARIMA = "auto_ets", "auto_arima"
NAMES = {TFIDF_LOGREG: "TF-IDF + logistic regression", AUTO_ETS: "ETS", AUTO_ARIMA: "ARIMA"}
# statsforecast's AutoETS leaves out seasons longer than 24 steps by itself; AutoARIMA's seasonal
# differencing over a long season takes minutes, so it gets the same limit (a daily series' 365).
LONGEST_SEASON = 24
# AutoARIMA's order search on 3,100 daily steps took 53 s, on the last 1,000 of them 1 s (same
# orders but the seasonal one): it is estimated on the most recent steps only.
ARIMA_HISTORY = 1000
MAX_FEATURES = 200_000  # the most frequent words and word pairs: IMDB's 25,000 reviews hold ~1.5 million
_BREAK = re.compile(r"<br\s*/?>")


def tfidf_logistic_regression(
    train: tuple[Iterable[str], npt.ArrayLike], test: tuple[Iterable[str], npt.ArrayLike], class_names: Sequence[str]
) -> dict[str, float | None]:
    """Fits TF-IDF (words and word pairs, sublinear term frequency) + logistic regression on `train`
    and scores it on `test`.

    Args:
        train: `(texts, labels)`: the texts it learns from, labels as class indices.
        test: `(texts, labels)`: the texts it is scored on, once.
        class_names: the class names, index = label.

    Returns:
        dict: `accuracy`, `macro_f1` (and `roc_auc` for two classes) as
        `kt_rnn.tasks.scores.classification` computes them for the network, and
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

    from kt_rnn.tasks import scores as scores_lib

    started = time.perf_counter()
    model = make_pipeline(
        TfidfVectorizer(preprocessor=_plain, ngram_range=(1, 2), sublinear_tf=True, max_features=MAX_FEATURES),
        LogisticRegression(max_iter=1000),  # lbfgs: deterministic, no seed to set
    )
    model.fit(list(train[0]), np.asarray(train[1]))
    probabilities = _aligned(model, model.predict_proba(list(test[0])), len(class_names))
    found = scores_lib.classification(np.asarray(test[1]), probabilities, class_names)
    kept: dict[str, float | None] = {name: found[name] for name in ("accuracy", "macro_f1", "roc_auc") if name in found}
    return {**kept, "fit_seconds": round(time.perf_counter() - started, 1)}


def classical_forecasts(
    history: npt.ArrayLike, fit_end: int, origins: Iterable[int], horizon: int, season: int
) -> dict[str, dict[str, Any]]:
    """AutoETS's and AutoARIMA's forecasts of each test window, in the target's units.

    Each model is chosen (form and parameters, by statsforecast's information criteria) once, on
    `history[:fit_end]`, the steps the exported network trained on; at each origin it forecasts
    from all history before that origin with those parameters, as the network does with its window.

    Args:
        history: 1-D float array, the target over the whole series.
        fit_end: int, the first step the models may not learn from (the test part's first).
        origins: int array `[n_windows]`, each window's first forecast step (>= `fit_end`).
        horizon: int, steps forecast from each origin.
        season: int, the season length in steps (1: none); above `LONGEST_SEASON` the models are
            not seasonal.

    Returns:
        `{name: {"forecasts": [n_windows, horizon] array, "model": "ETS(M,A,M)", "fit_seconds": s}}`,
        or `{name: {"error": message}}` for a model that could not be fitted (a series too short
        for it): a baseline never stops the run.

    Example:

    >>> y = 10 + np.sin(np.arange(120) * np.pi / 6)
    >>> found = classical_forecasts(y, 100, [100, 101], horizon=3, season=12)
    >>> found["auto_ets"]["forecasts"].shape, found["auto_ets"]["model"]
    ((2, 3), 'ETS(A,N,A)')
    """
    from statsforecast.models import AutoARIMA, AutoETS  # noqa: PLC0415  (a second of imports, on use)

    history = np.asarray(history, dtype="float64")
    season = int(season) if 1 < int(season) <= LONGEST_SEASON else 1
    start = max(0, fit_end - ARIMA_HISTORY)
    return {
        AUTO_ETS: _forecasts(AutoETS(season_length=season), history, 0, fit_end, origins, horizon),
        AUTO_ARIMA: _forecasts(AutoARIMA(season_length=season), history, start, fit_end, origins, horizon),
    }


def _forecasts(
    model: Any, history: np.ndarray, start: int, fit_end: int, origins: Iterable[int], horizon: int
) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with warnings.catch_warnings():  # statsforecast warns about models it rules out while it chooses
            warnings.simplefilter("ignore")
            model = model.fit(history[start:fit_end])
            forecasts = np.stack([model.forward(y=history[:origin], h=horizon)["mean"] for origin in origins])
    except Exception as e:  # noqa: BLE001  (statsforecast raises several kinds on a series it cannot fit)
        return {"error": f"{type(model).__name__} could not be fitted: {e}"}
    if not np.isfinite(forecasts).all():
        return {"error": f"{type(model).__name__} forecast non-finite values"}
    return {"forecasts": forecasts, "model": _described(model), "fit_seconds": round(time.perf_counter() - started, 1)}


def _described(model: Any) -> str:
    """The chosen model in the usual notation: `ETS(M,A,M)`, `ARIMA(0,1,1)(0,1,1)[12]`."""
    fitted = model.model_
    if "method" in fitted:
        return str(fitted["method"])
    if "arma" not in fitted:  # a constant series: statsforecast keeps its value, no model
        return f"{type(model).__name__}: constant"
    from statsforecast.arima import arima_string  # noqa: PLC0415

    return arima_string(fitted).strip()


def comparison_lines(scores: Mapping[str, Any]) -> list[str]:
    """One line per baseline in `scores["baselines"]`: its test scores and which model won, by how much.

    Example:

    >>> comparison_lines({"accuracy": 0.86, "baselines": {"tfidf_logreg": {"accuracy": 0.88, "macro_f1": 0.88}}})
    ['TF-IDF + logistic regression: test accuracy 0.8800 | macro-F1 0.8800 | the network is 2.0 points behind it']
    """
    return [
        f"{NAMES.get(name, name)}: {_scores_text(found)} | {_verdict(scores['accuracy'], found['accuracy'])}"
        for name, found in (scores.get("baselines") or {}).items()
    ]


def _scores_text(found: Mapping[str, Any]) -> str:
    return f"test accuracy {found['accuracy']:.4f} | macro-F1 {found['macro_f1']:.4f}"


def _verdict(network: float, baseline: float) -> str:
    points = 100 * (network - baseline)
    if abs(points) < 0.05:
        return "the network ties with it"
    return f"the network is {abs(points):.1f} points {'ahead of' if points > 0 else 'behind'} it"


def _plain(text: str) -> str:
    """Lower case, HTML line breaks as spaces (IMDB's reviews hold `<br />`)."""
    return _BREAK.sub(" ", text.lower())


def _aligned(model: Any, probabilities: np.ndarray, classes: int) -> np.ndarray:
    """Probabilities in the network's form: P(class 1) `[n, 1]` for two classes, else one column a
    class (a class missing from the training part gets probability 0)."""
    full = np.zeros((len(probabilities), classes))
    full[:, model.classes_] = probabilities
    return full[:, 1:] if classes == 2 else full
