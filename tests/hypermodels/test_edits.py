import pytest

from hypermodels import edits
from hypermodels import space as sp

SPACE = sp.SearchSpace(sp.TEXT_PARAMS)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("cell=lstm", (sp.CELL, "lstm")),
        ("bidirectional=true", (sp.BIDIRECTIONAL, True)),
        ("bidirectional=0", (sp.BIDIRECTIONAL, False)),
        ("num_layers=2", (sp.NUM_LAYERS, 2)),
        ("learning_rate=3e-4", (sp.LEARNING_RATE, 3e-4)),
        (" dropout = 0.25 ", (sp.DROPOUT, 0.25)),
    ],
)
def test_parse_fix_returns_a_fixed_domain_of_the_right_type(text, expected):
    name, domain = edits.parse_fix(text, SPACE)
    assert (name, domain.values[0]) == expected
    assert type(domain.values[0]) is type(expected[1])
    assert domain.kind == sp.FIXED


def test_parse_fix_unknown_name_lists_the_valid_names():
    with pytest.raises(edits.SpaceError, match=r"Expected one of \[.*'cell'.*'batch_size'.*Received: 'cells'"):
        edits.parse_fix("cells=gru", SPACE)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("cell", "Expected --fix NAME=VALUE"),
        ("=3", "Expected --fix NAME=VALUE"),
        ("cell=transformer", "one of \\['simple_rnn', 'gru', 'lstm'\\]"),
        ("num_layers=4", "num_layers takes an integer one of \\[1, 2, 3\\]"),
        ("num_layers=two", "Received: num_layers='two'"),
        ("units_0=1.5", "units_0 takes an integer"),
        ("dropout=1.0", "in \\[0, 1\\)"),
        ("bidirectional=maybe", "bidirectional takes a boolean"),
        ("learning_rate=-1", "> 0"),
    ],
)
def test_parse_fix_rejects_bad_values_with_the_rule(text, fragment):
    with pytest.raises(edits.SpaceError, match=fragment):
        edits.parse_fix(text, SPACE)


def test_load_space_file_reads_the_three_forms(tmp_path):
    path = tmp_path / "space.toml"
    path.write_text(
        '[cell]\nvalues = ["gru", "lstm"]\ndefault = "lstm"\n'
        '[learning_rate]\nmin_value = 1e-4\nmax_value = 1e-3\nsampling = "log"\n'
        "[recurrent_dropout]\nmin_value = 0\nmax_value = 0.3\nstep = 0.1\n"
        "[bidirectional]\nvalue = true\n"
    )
    domains = edits.load_space_file(path, SPACE)
    assert domains[sp.CELL] == sp.choice(["gru", "lstm"], "lstm")
    assert domains[sp.LEARNING_RATE] == sp.span(1e-4, 1e-3, sampling="log")
    assert domains[sp.RECURRENT_DROPOUT] == sp.span(0.0, 0.3, step=0.1)
    assert domains[sp.BIDIRECTIONAL] == sp.fixed(True)


@pytest.mark.parametrize(
    "toml, fragment",
    [
        ("[cel]\nvalues = [1]\n", "Expected one of"),
        ("[cell]\nvalues = []\n", "non-empty list"),
        ('[cell]\nvalues = ["gru", "cnn"]\n', "Received: cell='cnn'"),
        ('[cell]\nvalues = ["gru"]\ndefault = "lstm"\n', "outside its domain"),
        ("[cell]\nmin_value = 1\nmax_value = 2\n", "not numeric"),
        ("[units_0]\nvalues = [32]\nmin_value = 1\n", "expects `value = x`"),
        ("[units_0]\nmin_value = 64\n", "both min_value and max_value"),
        ("[units_0]\nmin_value = 64\nmax_value = 32\n", "min_value must be <= max_value"),
        ("[units_0]\nmin_value = 16\nmax_value = 32\nstep = 0\n", "step must be a positive"),
        ('[l2]\nmin_value = 0.0\nmax_value = 0.1\nsampling = "log"\n', "log sampling needs"),
        ('[learning_rate]\nmin_value = 0.001\nmax_value = 0.1\nsampling = "cubic"\n', "sampling must be one of"),
        ('cell = "gru"\n', "expects `value = x`"),
        ("[cell\n", "not valid TOML"),
    ],
)
def test_load_space_file_rejects_bad_tables(tmp_path, toml, fragment):
    path = tmp_path / "space.toml"
    path.write_text(toml)
    with pytest.raises(edits.SpaceError, match=fragment):
        edits.load_space_file(path, SPACE)


def test_load_space_file_missing_file_names_it(tmp_path):
    with pytest.raises(edits.SpaceError, match="Cannot read --space file .*nope.toml"):
        edits.load_space_file(tmp_path / "nope.toml", SPACE)


@pytest.mark.parametrize("text", ["learning_rate=inf", "learning_rate=nan", "dropout=-inf", "l2=1e999"])
def test_parse_fix_refuses_values_that_are_not_finite(text):
    with pytest.raises(edits.SpaceError, match="Received"):
        edits.parse_fix(text, SPACE)


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("[learning_rate]\nmin_value = 1e-4\nmax_value = inf\n", "learning_rate takes a number"),
        ("[units_0]\nmin_value = 16\nmax_value = 100000000\n", r"units_0 takes an integer from 1 to 4096\. Received"),
        ("[embedding_dim]\nvalues = [64, 1000000]\n", r"embedding_dim takes an integer from 1 to 4096"),
        ("[batch_size]\nvalue = 1000000\n", r"batch_size takes an integer from 1 to 65536"),
        ("[learning_rate]\nmin_value = 1e-4\nmax_value = 100.0\n", r"learning_rate takes a number > 0 and <= 10"),
        ("units_0 = 5\n", r"\[units_0\] in the space file expects `value = x`"),
    ],
)
def test_load_space_file_refuses_infinite_or_unbuildable_ranges_and_bare_values(tmp_path, content, fragment):
    path = tmp_path / "space.toml"
    path.write_text(content)
    with pytest.raises(edits.SpaceError, match=fragment):
        edits.load_space_file(path, SPACE)


def test_load_space_file_binary_file_names_the_fix(tmp_path):
    path = tmp_path / "space.toml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    with pytest.raises(edits.SpaceError, match="is not text .*space.toml"):
        edits.load_space_file(path, SPACE)
