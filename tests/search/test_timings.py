from kt_rnn.search import timings


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_timings_phase_adds_the_seconds_spent_in_it():
    clock = FakeClock()
    timed = timings.Timings(clock)
    with timed.phase("search"):
        clock.now += 100.0
    with timed.phase("search"):  # a phase run twice adds up
        clock.now += 20.0
    assert timed.seconds == {"search": 120.0}


def test_timings_phase_counts_a_phase_that_raises():
    clock = FakeClock()
    timed = timings.Timings(clock)
    try:
        with timed.phase("load"):
            clock.now += 3.0
            raise ValueError("bad data")
    except ValueError:
        pass
    assert timed.seconds == {"load": 3.0}


def test_timings_as_dict_gives_the_search_time_outside_model_fit():
    timed = timings.Timings(FakeClock())
    timed.add("search", 200.0)
    timed.add("fit", 194.0)
    assert timed.as_dict() == {"search_s": 200.0, "fit_s": 194.0, "outside_fit_pct": 3.0}


def test_timings_as_dict_has_no_fraction_without_a_search():
    timed = timings.Timings(FakeClock())
    timed.add("refit", 60.0)  # --export-only: no search ran
    assert timed.as_dict() == {"refit_s": 60.0}


def test_timings_line_lists_the_phases_in_run_order():
    figures = {
        "refit_s": 244.0,
        "search_s": 1291.0,
        "fit_s": 1264.0,
        "outside_fit_pct": 2.09,
        "load_s": 12.3,
        "export_s": 7.0,
    }
    assert timings.line(figures) == (
        "loading 12 s, search 1291 s (2.1 % of it outside model.fit), refit 244 s, export 7 s"
    )


def test_timings_line_is_empty_for_a_run_of_an_earlier_release():
    assert timings.line({}) == ""
