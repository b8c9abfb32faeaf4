"""TensorFlow's C++ log lines kept off a command's stderr; everything else passes. No TensorFlow."""

import subprocess
import sys

import pytest

from kt_rnn.runtime import native_logs

ABSL_INFO = b"I0000 00:00:1796480809.413010    8391 port.cc:153] oneDNN custom operations are on."
CUINIT = b"E0000 00:00:1796480812.615733    8391 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR (303)"
REAL_ERROR = b"E0000 00:00:1796480812.615733    8391 kernel.cc:9] Out of memory while allocating 8 GiB"


@pytest.mark.parametrize(
    "line, kept",
    [
        (native_logs.PREAMBLE, False),
        (ABSL_INFO, False),
        (b"W0000 00:00:1796480809.4 8391 cpu_feature_guard.cc:210] AVX2 FMA", False),
        (CUINIT, False),
        (b"E0000 00:00:1796484595.199678   25908 util.cc:131] oneDNN supports DT_BOOL only on AVX-512", False),
        (REAL_ERROR, True),
        (b"F0000 00:00:1.0 1 check.cc:1] Check failed", True),
        (b"Traceback (most recent call last):", True),
        (b"python -m kt_rnn.search: error: --max-trials must be an integer >= 1", True),
    ],
)
def test_keep_leaves_out_absl_info_warnings_and_known_noise_only(line, kept):
    assert native_logs.keep(line) is kept


C_SIDE = b"\n".join([native_logs.PREAMBLE, ABSL_INFO, CUINIT, REAL_ERROR]) + b"\n"
PROGRAM = """
import logging, os, sys
from kt_rnn.runtime import native_logs
with native_logs.filtered(active=ACTIVE):
    os.write(2, C_SIDE)
    print("kt_rnn: a message of ours", file=sys.stderr)
    os.write(2, b"a line without its end")
    handler = logging.StreamHandler(sys.stderr)  # as TensorFlow's logger makes one when it is imported here
print("after", file=sys.stderr)
logging.getLogger("late").addHandler(handler)
logging.getLogger("late").warning("a warning after the block")  # its stream still open
"""


def _stderr(active):
    program = PROGRAM.replace("ACTIVE", str(active)).replace("C_SIDE", repr(C_SIDE))
    return subprocess.run([sys.executable, "-c", program], capture_output=True, timeout=60).stderr


def test_filtered_keeps_the_c_side_noise_off_stderr_and_passes_the_rest():
    err = _stderr(True)
    assert err.count(b"\n") == 4 and b"oneDNN" not in err and b"cuInit" not in err and b"absl" not in err
    assert REAL_ERROR in err and b"kt_rnn: a message of ours" in err and b"a line without its end" in err
    assert err.endswith(b"after\na warning after the block\n")  # the real stderr again after the block
    assert b"Logging error" not in err


def test_filtered_leaves_stderr_as_it_is_when_the_user_chose_a_log_level():
    err = _stderr(False)
    assert ABSL_INFO in err and CUINIT in err and native_logs.PREAMBLE in err
