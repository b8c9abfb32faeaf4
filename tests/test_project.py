"""The project's own promises: CI runs the README's test command; logs/ holds only a placeholder."""

import pathlib
import re

REPO = pathlib.Path(__file__).resolve().parents[1]


def _test_command():
    """The pytest line of .ci/run (the lint check follows it)."""
    return next(line for line in (REPO / ".ci" / "run").read_text().splitlines() if line.startswith("python -m pytest"))


def test_ci_checks_the_lint_and_the_types_after_the_tests():
    lines = (REPO / ".ci" / "run").read_text().splitlines()
    tests = lines.index(_test_command())
    for check in ("python -m ruff check", "python -m mypy"):
        assert next(i for i, line in enumerate(lines) if line.startswith(check)) > tests


def test_ci_runs_the_test_command_written_in_the_readme():
    readme = (REPO / "README.md").read_text()
    command = _test_command()
    assert command.startswith("python -m pytest")
    assert re.search(r"pip install -e '\.\[test\]' && " + re.escape(command) + r"\n", readme)


def test_logs_directory_is_ignored_but_kept():
    assert (REPO / "logs" / ".gitkeep").exists()
    ignore = (REPO / ".gitignore").read_text().splitlines()
    assert "logs/*" in ignore and "!logs/.gitkeep" in ignore
