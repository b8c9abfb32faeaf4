"""Stop requests: raised, raised again when swallowed, held while state is saved."""

import os
import signal

import pytest

from kt_rnn.errors import Terminated
from kt_rnn.state import stopping


@pytest.fixture
def installed():
    previous = stopping.install()
    yield
    stopping.restore(previous)
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def test_stopping_a_swallowed_interrupt_is_raised_again(installed):
    try:
        os.kill(os.getpid(), signal.SIGINT)
    except KeyboardInterrupt:
        pass  # as a finalizer would swallow it
    with pytest.raises(KeyboardInterrupt):
        stopping.raise_if_requested()


def test_stopping_sigterm_raises_terminated(installed):
    with pytest.raises(Terminated):
        os.kill(os.getpid(), signal.SIGTERM)


def test_stopping_held_delays_the_signal_until_the_block_ends(installed):
    done = []
    with pytest.raises(KeyboardInterrupt):
        with stopping.held():
            os.kill(os.getpid(), signal.SIGINT)
            done.append("saved")  # reached: the signal waits for the block
    assert done == ["saved"]


def test_stopping_while_stopping_later_signals_are_only_recorded(installed):
    stopping.stopping()
    os.kill(os.getpid(), signal.SIGINT)  # no exception: the stop is being carried out
    with pytest.raises(KeyboardInterrupt):
        stopping.raise_if_requested()


def test_stopping_the_first_signal_names_the_stop_when_its_exception_was_swallowed(installed):
    try:
        os.kill(os.getpid(), signal.SIGTERM)
    except Terminated:
        pass  # as a finalizer would swallow it
    with pytest.raises(Terminated):  # exit 143, as the first signal asked, not Ctrl-C's 130
        os.kill(os.getpid(), signal.SIGINT)


def test_stopping_installed_only_between_install_and_restore():
    previous = stopping.install()
    assert stopping.installed()
    stopping.restore(previous)
    assert not stopping.installed()
