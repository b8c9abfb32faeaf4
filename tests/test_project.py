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


def _public_functions():
    """(path, name, node) of every public module-level function and public class's method (public or
    `__init__`) in kt_rnn and hypermodels."""
    import ast

    for path in sorted([*REPO.glob("kt_rnn/**/*.py"), *REPO.glob("hypermodels/**/*.py")]):
        tree = ast.parse(path.read_text())
        classes = [node for node in tree.body if isinstance(node, ast.ClassDef) and not node.name.startswith("_")]
        for scope in [tree, *classes]:
            for node in scope.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                    not node.name.startswith("_") or node.name == "__init__"
                ):
                    yield path.relative_to(REPO), node.name, node


def test_every_public_function_is_annotated():
    missing = []
    for path, name, node in _public_functions():
        args = [
            *node.args.posonlyargs,
            *node.args.args,
            *node.args.kwonlyargs,
            *filter(None, (node.args.vararg, node.args.kwarg)),
        ]
        bare = [a.arg for a in args if a.annotation is None and a.arg not in ("self", "cls")]
        if bare or node.returns is None:
            missing.append(f"{path}:{node.lineno} {name} ({', '.join(bare) or 'return'})")
    assert not missing, "annotate: " + "; ".join(missing)
