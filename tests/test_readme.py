"""Every Python example in README.md marked `<!-- readme-test -->` runs verbatim: after the example whose
output it reads, in that example's directory (chains of examples run side by side under pytest-xdist)."""

import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO

MARK = "<!-- readme-test -->"
WORDS = {
    "billing": "invoice charged refund payment card twice price".split(),
    "bug": "crash crashes error broken freeze login fails".split(),
    "praise": "love great thanks awesome helpful brilliant".split(),
}


def marked_examples(text):
    """The code of each fenced block that follows the mark, in order."""
    return re.findall(re.escape(MARK) + r"\s*```python\n(.*?)```", text, flags=re.S)


def _write_inputs(directory):
    """The files the examples read: support tickets, monthly sales (with a price that has a gap and a
    promotion that is a category) and sensor sequences."""
    rng = np.random.default_rng(0)
    rows = ["text,label"]
    for label, words in WORDS.items():
        rows += [" ".join(rng.choice(words, 4)) + f" the app,{label}" for _ in range(30)]
    (directory / "tickets.csv").write_text("\n".join(rows) + "\n")
    months = np.arange(np.datetime64("2015-01"), np.datetime64("2025-01"))
    sales = 200 + 2.0 * np.arange(len(months)) + 40 * np.sin(2 * np.pi * np.arange(len(months)) / 12)
    prices = [f"{9.5 + 0.01 * i:.2f}" if i != 100 else "" for i in range(len(months))]
    promos = rng.choice(["none", "tv", "web"], len(months))
    rows = "".join(f"{m},{s:.1f},{p},{c}\n" for m, s, p, c in zip(months, sales, prices, promos))
    (directory / "sales.csv").write_text("Month,Sales,Price,Promo\n" + rows)
    x = rng.normal(size=(120, 10, 2)).astype("float32")
    np.savez(directory / "sensors.npz", x=x, y=(x[:, :, 0].mean(axis=1) > 0).astype("int64"))


def test_readme_marks_the_examples_it_promises():
    examples = marked_examples((REPO / "README.md").read_text())
    assert len(examples) >= 4
    assert any("kt_rnn.tune" in e for e in examples) and any("keras_tuner.RandomSearch" in e for e in examples)


def chains(examples):
    """The examples in chains that run in order, in one directory: an example that reads `logs/NAME`
    follows the one that made project NAME; the others stand alone. `[[(number, code), ...], ...]`."""
    found, by_project = [], {}
    for number, code in enumerate(examples, start=1):
        read = next((by_project[name] for name in by_project if f"logs/{name}" in code), None)
        chain = read if read is not None else []
        if read is None:
            found.append(chain)
        chain.append((number, code))
        for name in re.findall(r'project="(\w+)"', code):
            by_project[name] = chain
    return found


CHAINS = chains(marked_examples((REPO / "README.md").read_text()))


def test_chains_keep_each_example_after_the_one_it_reads():
    first = 'kt_rnn.tune("a.csv", project="a")'
    examples = [first, "import numpy", 'open("logs/a/best/labels.txt")', 'kt_rnn.tune(x, project="b")']
    assert [[n for n, _ in chain] for chain in chains(examples)] == [[1, 3], [2], [4]]


@pytest.mark.e2e  # the README's examples run searches
@pytest.mark.parametrize("chain", CHAINS, ids=[f"examples-{'-'.join(str(n) for n, _ in c)}" for c in CHAINS])
def test_readme_examples_run_verbatim(tmp_path, chain):
    _write_inputs(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    for number, code in chain:
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, f"README example {number} failed:\n{code}\n{result.stderr[-3000:]}"
    if any('project="tickets"' in code for _, code in chain):
        assert (tmp_path / "logs" / "tickets" / "best" / "labels.txt").read_text() == "billing\nbug\npraise\n"
    if any('directory="kt_plain"' in code for _, code in chain):
        assert pathlib.Path(tmp_path / "kt_plain" / "sensors").is_dir()
