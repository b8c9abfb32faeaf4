"""Devices: --gpus, --mixed-precision and --strategy, parsed before TensorFlow and applied at the start."""

import pytest

import searches
from kt_rnn.errors import UsageError
from kt_rnn.runtime import devices


@pytest.mark.parametrize("text, ids", [(None, None), ("0", (0,)), ("0,1", (0, 1)), ("none", ())])
def test_parse_gpus_reads_indices_or_none(text, ids):
    assert devices.parse_gpus(text) == ids


@pytest.mark.parametrize("text", ["a", "-1", "0,0", "1;2"])
def test_parse_gpus_refuses_anything_else_with_an_example(text):
    with pytest.raises(UsageError, match="Expected --gpus as distinct GPU indices, e.g. 0 or 0,1"):
        devices.parse_gpus(text)


@pytest.mark.parametrize(
    "requested, has_gpu, policy",
    [
        ("mixed", True, "mixed_float16"),
        ("mixed", False, "mixed_bfloat16"),
        ("float32", True, "float32"),
    ],
)
def test_precision_resolves_mixed_by_device(requested, has_gpu, policy):
    assert devices.precision(requested, has_gpu) == policy


def test_describe_names_every_device_on_one_line():
    assert devices.describe([("CPU", None), ("GPU:1", "NVIDIA H200")]) == "Devices: CPU, GPU:1 (NVIDIA H200)"


def _config(tmp_path, *argv):
    return searches.config("imdb", "--logdir", tmp_path, *argv)


def test_config_takes_the_device_options(tmp_path):
    config = _config(tmp_path, "--gpus", "0,1", "--mixed-precision", "--strategy", "mirrored")
    assert (config.runtime.gpus, config.runtime.precision, config.runtime.strategy) == ((0, 1), "mixed", "mirrored")


def test_configure_on_a_cpu_prints_the_devices_and_resolves_mixed_to_bfloat16(tmp_path, capsys):
    config = _config(tmp_path, "--mixed-precision")
    assert devices.configure(config) == "mixed_bfloat16"
    out = capsys.readouterr().out
    assert out.startswith("Devices: CPU") and "bfloat16" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--gpus", "0"], "--gpus names GPU 0, but this machine has no GPU"),
        (["--strategy", "mirrored"], "--strategy mirrored replicates each trial over the GPUs, and none is visible"),
    ],
)
def test_configure_refuses_gpus_the_machine_lacks(tmp_path, argv, message):
    with pytest.raises(UsageError, match=message):
        devices.configure(_config(tmp_path, *argv))


def test_configure_with_no_gpu_selected_hides_them(tmp_path, capsys):
    devices.configure(_config(tmp_path).replace(gpus=()))
    assert capsys.readouterr().out.splitlines()[0] == "Devices: CPU"
