import json
import subprocess
import sys

import keras
import keras_tuner
import numpy as np
import pytest

from hypermodels import space as sp
from hypermodels.sequence import SequenceModel
from kt_rnn.config import Config
from kt_rnn.data import arrays
from kt_rnn.tasks import sequence as task

STEPS, FEATURES = 6, 2
# The default space with a smaller layer and a faster learning rate, so a few epochs learn.
QUICK = {sp.UNITS[0]: 16, sp.LEARNING_RATE: 1e-2, sp.BATCH_SIZE: 32}
RELOAD = """
import json, sys
import numpy as np
import tensorflow as tf
out = {}
for name in ("regression", "classification"):
    x = np.load(sys.argv[1] + "/" + name + "_x.npy")
    loaded = tf.saved_model.load(sys.argv[1] + "/" + name)  # kept: its variables die with it
    out[name] = loaded.serve(tf.constant(x)).numpy().tolist()
print(json.dumps(out))
"""


def _problem(kind, n=240, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, STEPS, FEATURES)).astype("float32")
    if kind == "regression":
        return x, 1000 + 20 * x.sum(axis=(1, 2))  # in the thousands: a model must undo standardization
    return x, np.digitize(x.mean(axis=(1, 2)), [-0.15, 0.15]).astype("int64")  # 3 classes


def _config(tmp_path, **kwargs):
    space = sp.SearchSpace(sp.SEQUENCE_PARAMS).with_domains({k: sp.fixed(v) for k, v in QUICK.items()})
    return Config.of("sequence", logdir=str(tmp_path / "logs"), space=space, **kwargs)


def _train(config, dataset, epochs=8):
    keras.utils.set_random_seed(0)
    hypermodel = task.hypermodel(config, dataset)
    hp = keras_tuner.HyperParameters()
    model = hypermodel.build(hp)
    hypermodel.fit(hp, model, dataset.train, validation_data=dataset.validation, epochs=epochs, verbose=0)
    return task.serving_model(model, dataset)


def _test_arrays(dataset):
    xs, ys = zip(*((x.numpy(), y.numpy()) for x, y in dataset.test.batch(1000)))
    return np.concatenate(xs), np.concatenate(ys)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Both problems trained (in this process) and wrapped for serving."""
    results, root = {}, tmp_path_factory.mktemp("sequence")
    for kind in ("regression", "classification"):
        config = _config(root)
        dataset = arrays.load(config, arrays.Arrays(*_problem(kind)))
        results[kind] = {"dataset": dataset, "serving": _train(config, dataset)}
    return results


def _reloaded_in_a_fresh_process(trained, root):
    """Each serving model exported as a SavedModel and served by a new process: `{kind: predictions}`."""
    for kind, result in trained.items():
        result["serving"].export(str(root / kind), format="tf_saved_model", verbose=False)
        np.save(root / f"{kind}_x.npy", _test_arrays(result["dataset"])[0])
    served = subprocess.run([sys.executable, "-c", RELOAD, str(root)], capture_output=True, text=True, timeout=120)
    assert served.returncode == 0, served.stderr[-2000:]
    return {kind: np.array(p) for kind, p in json.loads(served.stdout.strip().splitlines()[-1]).items()}


def test_hypermodel_follows_the_dataset_and_the_config(tmp_path):
    config = _config(tmp_path, objective="val_macro_f1", task_type="classification", ema=0.99)
    dataset = arrays.load(config, arrays.Arrays(*_problem("classification", n=60)))
    hypermodel = task.hypermodel(config, dataset)
    assert isinstance(hypermodel, SequenceModel) and hypermodel.num_classes == 3
    assert (hypermodel.timesteps, hypermodel.features) == (STEPS, FEATURES)
    assert hypermodel.mean == dataset.spec["mean"] and hypermodel.metrics == ("accuracy", "macro_f1")
    assert hypermodel.space == config.space and hypermodel.seed == config.budget.seed
    assert hypermodel.ema == 0.99


def test_serving_regression_predicts_in_the_users_units(trained):
    dataset, serving = trained["regression"]["dataset"], trained["regression"]["serving"]
    x, y = _test_arrays(dataset)
    predicted = serving.predict(x, verbose=0)
    assert predicted.shape == (len(y), 1)
    errors = np.abs(predicted[:, 0] - y)
    assert errors.mean() < 0.1 * np.abs(y).mean()  # predicting 0 would be off by ~1000
    assert errors.mean() < np.abs(y - y.mean()).mean()  # and it learned more than the mean


def test_serving_classification_gives_probabilities(trained):
    dataset, serving = trained["classification"]["dataset"], trained["classification"]["serving"]
    x, labels = _test_arrays(dataset)
    predicted = serving.predict(x, verbose=0)
    assert predicted.shape == (len(labels), 3) and ((predicted >= 0) & (predicted <= 1)).all()
    np.testing.assert_allclose(predicted.sum(axis=1), 1, rtol=1e-5)
    assert (predicted.argmax(axis=1) == labels).mean() > 0.5  # chance is ~1/3
    assert serving.input.name == "sequences"


@pytest.mark.e2e
def test_serving_reloaded_in_a_fresh_process_answers_as_in_this_one(trained, tmp_path):
    reloaded = _reloaded_in_a_fresh_process(trained, tmp_path)  # no kt_rnn import there: a SavedModel alone
    for kind, result in trained.items():
        x, _ = _test_arrays(result["dataset"])
        np.testing.assert_allclose(reloaded[kind], result["serving"].predict(x, verbose=0), rtol=1e-4, atol=1e-6)


def test_scores_return_the_metrics_json_keys(trained):
    regression = task.scores(trained["regression"]["serving"], trained["regression"]["dataset"])
    assert set(regression) == {"mae", "rmse", "mse", "r2"} and regression["mae"] < 100
    classification = task.scores(trained["classification"]["serving"], trained["classification"]["dataset"])
    assert {"accuracy", "macro_f1", "per_class", "confusion_matrix"} <= set(classification)
    assert list(classification["per_class"]) == ["0", "1", "2"]
    assert sum(map(sum, classification["confusion_matrix"])) == trained["classification"]["dataset"].sizes["test"]


def test_assets_write_labels_for_classification_only(tmp_path):
    config = _config(tmp_path)
    x, _ = _problem("classification", n=30)
    y = np.repeat([7, 20, 100], 10)
    assert task.assets(arrays.load(config, arrays.Arrays(x, y))) == {"labels.txt": "7\n20\n100\n"}
    assert task.assets(arrays.load(config, arrays.Arrays(x, y + 0.5))) == {}
