"""TensorBoard as users see it: a tiny search, then the real `tensorboard` server and its HTTP API.

The server runs against the project's `tensorboard/` directory, as README's
`tensorboard --logdir logs/imdb/tensorboard` does, so a run is named by its trial id. Everything
is checked through the plugins' HTTP routes that the dashboard's tabs call
(`tensorboard/plugins/hparams/http_api.md`, the scalars plugin).
"""

import json
import math
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

import searches
from hypermodels import cudnn
from hypermodels import space as sp
from kt_rnn.search import dashboard

pytestmark = pytest.mark.e2e  # a search served by a real TensorBoard

TRIALS = 2  # the finished text search's (conftest)
EPOCHS = 2
START_DEADLINE_S = 60  # server answering GET /
LOAD_DEADLINE_S = 60  # every trial's logs loaded by the server
STATUSES = ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"]
CURVES = ("loss", "accuracy", "val_loss", "val_accuracy")  # per epoch, under the names Keras logs
# Each trial's best-epoch objective (the value the tuner ranks by): the curves are in Scalars.
METRICS = {("best_val_accuracy", "")}
TAGS = {*CURVES, "learning_rate", "best_val_accuracy"}  # every scalar a run holds: README's TensorBoard section
TABS = ("scalars", "timeseries", "hparams", "graphs")  # what README's TensorBoard section describes


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A `tensorboard` process started by the test, and JSON over its HTTP API."""

    def __init__(self, logdir, stderr_path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stderr_path = stderr_path
        self._stderr = open(stderr_path, "wb")
        # --load_fast=false: the Python loader, no Rust data server child process.
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tensorboard.main",
                "--logdir",
                str(logdir),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--load_fast=false",
                "--reload_interval",
                "1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )

    def stderr_tail(self, chars=3000):
        self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")[-chars:]

    def wait_until_answering(self):
        deadline = time.monotonic() + START_DEADLINE_S
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"tensorboard exited with {self.process.returncode}:\n{self.stderr_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"tensorboard did not answer in {START_DEADLINE_S} s:\n{self.stderr_tail()}")
            time.sleep(0.25)

    def get(self, route, **query):
        url = self.url + route + ("?" + urllib.parse.urlencode(query) if query else "")
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.load(response)

    def get_text(self, route, **query):
        url = self.url + route + ("?" + urllib.parse.urlencode(query) if query else "")
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()

    def post(self, route, body):
        request = urllib.request.Request(
            self.url + route,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "X-XSRF-Protected": "1"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def stop(self):
        """Stops only the process this test started."""
        try:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
        finally:
            self._stderr.close()


def experiment(server):
    return server.post("/data/plugin/hparams/experiment", {"experimentName": ""})


def session_groups(server):
    """Every session group, unfiltered: empty colParams means no filter, every column returned."""
    response = server.post(
        "/data/plugin/hparams/session_groups",
        {"experimentName": "", "allowedStatuses": STATUSES, "colParams": [], "startIndex": 0, "sliceSize": 1000},
    )
    return {group["name"]: group for group in response.get("sessionGroups", [])}


def scalar_tags(server):
    return server.get("/data/plugin/scalars/tags")


def scalar_values(server, run, tag):
    return [value for _, _, value in server.get("/data/plugin/scalars/scalars", run=run, tag=tag)]


def _active_values(trial):
    return {k: v for k, v in trial["hyperparameters"]["values"].items() if not k.startswith("tuner/")}


def _loaded(server, config, trials):
    groups = session_groups(server)
    tags = scalar_tags(server)
    return set(groups) == set(trials) and all(TAGS <= set(tags.get(trial_id, {})) for trial_id in trials)


# Session scope: under `--dist worksteal` a module's tests may reach a worker apart, and a module fixture
# would then be torn down and set up again between them (a server start and its load, ~20 s each).
@pytest.fixture(scope="session")
def search(finished_searches, tmp_path_factory):
    """A copy of the session's finished tiny random search: `(config, {trial_id: trial.json})`."""
    data, original = finished_searches("text")
    logs = tmp_path_factory.mktemp("tensorboard_server") / "logs"
    shutil.copytree(original, logs)
    config = searches.tiny("imdb", data, logs, "--tuner", "random", "--max-trials", TRIALS)
    files = sorted((config.project_dir / "tuner").glob("trial_*/trial.json"))
    trials = {t["trial_id"]: t for t in (json.loads(f.read_text()) for f in files)}
    assert len(trials) == TRIALS and {t["status"] for t in trials.values()} == {"COMPLETED"}
    return config, trials


@pytest.fixture(scope="session")
def server(search, tmp_path_factory):
    """The real server on a free loopback port, against the project dir, once it has loaded every trial."""
    config, trials = search
    tensorboard = Server(config.layout.tensorboard, tmp_path_factory.mktemp("tensorboard_stderr") / "stderr.txt")
    try:
        tensorboard.wait_until_answering()
        deadline = time.monotonic() + LOAD_DEADLINE_S
        while not _loaded(tensorboard, config, trials) and time.monotonic() < deadline:
            time.sleep(0.5)  # the tests below say what is missing if the deadline passes
        yield tensorboard
    finally:
        tensorboard.stop()


def test_tensorboard_server_enables_the_dashboard_tabs(server):
    listing = server.get("/data/plugins_listing")
    assert {name for name in TABS if listing.get(name, {}).get("enabled")} == set(TABS), {
        name: plugin.get("enabled") for name, plugin in listing.items()
    }


def test_tensorboard_server_graphs_tab_draws_each_trials_layers(server, search):
    config, trials = search
    info = server.get("/data/plugin/graphs/info")
    for run in trials:
        assert info[run]["run_graph"] is True, info.get(run)
        assert not info[run].get("tags"), info[run]  # no Keras-config graph, which TensorBoard cannot convert
        status, graph = server.get_text("/data/plugin/graphs/graph", run=run, conceptual="false")
        assert status == 200
        nodes = re.findall(r'name: "([^"]+)"\n\s+op: "([^"]+)"', graph)
        assert ("tokens", "InputLayer") in nodes and ("probabilities", "Dense") in nodes, graph[:2000]
        cell = trials[run]["hyperparameters"]["values"][sp.CELL]
        assert {"gru": "GRU", "lstm": "LSTM", "simple_rnn": "SimpleRNN"}[cell] in {op for _, op in nodes}


def test_tensorboard_server_experiment_lists_every_hyperparameter_and_metric(server, search):
    _, trials = search
    response = experiment(server)
    names = {info["name"] for info in response["hparamInfos"]}
    assert sp.BATCH_SIZE in names  # declared in HyperModel.fit, not in build
    config, _ = search
    # every one a trial can have (one layer: no units_1), and whether the trial's layers were cuDNN-eligible
    assert names == set(config.space.ranked_names()) | {dashboard.CUDNN}
    searched = [n for n in config.space.ranked_names() if config.space.domain(n).kind != "fixed"]
    shown = {info["name"] for info in response["hparamInfos"] if info.get("differs")}  # the ticked columns
    assert shown == set(searched[: dashboard.VISIBLE]) and sp.LEARNING_RATE in shown
    assert set().union(*(_active_values(t) for t in trials.values())) <= names
    assert {(m["name"]["tag"], m["name"]["group"]) for m in response["metricInfos"]} == METRICS


def _in_domain(value, info):
    """Whether the HParams tab's default filter, built from the experiment's domain, shows `value`."""
    if "domainDiscrete" in info:
        numeric = isinstance(value, float)
        return any(value == (pytest.approx(choice) if numeric else choice) for choice in info["domainDiscrete"])
    interval = info["domainInterval"]
    return interval["minValue"] - 1e-9 <= value <= interval["maxValue"] + 1e-9


def test_tensorboard_server_lists_every_trial_and_hyperparameter(server, search):
    config, trials = search
    groups = session_groups(server)
    infos = {info["name"]: info for info in experiment(server)["hparamInfos"]}
    assert sorted(groups) == sorted(trials)  # one session group per trial, named by trial id
    for trial_id, trial in trials.items():
        group, values = groups[trial_id], _active_values(trial)
        assert group["hparams"][sp.BATCH_SIZE] == str(values[sp.BATCH_SIZE])  # "64", not 64.000: as text
        shown = {n: str(v) if isinstance(infos[n].get("domainDiscrete", [0])[0], str) else v for n, v in values.items()}
        assert group["hparams"] == pytest.approx({**shown, dashboard.CUDNN: cudnn.eligible(values)}), trial_id
        for name, value in group["hparams"].items():
            assert _in_domain(value, infos[name]), (trial_id, name, value, infos[name])
        assert [(s["name"], s["status"]) for s in group["sessions"]] == [(trial_id, "STATUS_SUCCESS")]
        metrics = {(m["name"]["tag"], m["name"]["group"]): m for m in group["metricValues"]}
        assert set(metrics) == METRICS, trial_id
        assert metrics[("best_val_accuracy", "")]["value"] == pytest.approx(trial["score"])  # as the tuner ranks
        assert len(repr(group["hparams"][sp.DROPOUT])) <= 3  # 0.3, not 0.30000000000000004
        for metric in metrics.values():
            assert math.isfinite(metric["value"]) and metric["trainingStep"] >= 0, (trial_id, metric)


def test_tensorboard_server_has_one_run_per_trial_with_its_curves_and_its_score_at_its_best_epoch(server, search):
    config, trials = search
    assert config.budget.objective == "val_accuracy"
    tags = scalar_tags(server)
    assert sorted(tags) == sorted(trials)  # no root run, no execution0/, train/ or validation/ runs
    for trial_id, trial in trials.items():
        assert set(tags[trial_id]) == TAGS, trial_id  # nothing undocumented (no evaluation_*_vs_iterations)
        for tag in CURVES:
            series = scalar_values(server, trial_id, tag)
            assert 1 <= len(series) <= EPOCHS, (trial_id, tag, series)
        # The tuner's score is the best epoch of the validation accuracy the Scalars tab plots, at that epoch.
        curve = server.get("/data/plugin/scalars/scalars", run=trial_id, tag="val_accuracy")
        best_step = max(curve, key=lambda point: point[2])[1]
        ((_, step, score),) = server.get("/data/plugin/scalars/scalars", run=trial_id, tag="best_val_accuracy")
        assert score == pytest.approx(trial["score"], abs=1e-6) and step == best_step, trial_id
