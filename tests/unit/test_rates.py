from hypothesis import given
from hypothesis import strategies as st

from sot.collect.cpu import cpu_percentages
from sot.collect.rates import percent_of, rate
from tests.fakes import cpu_times


def test_rate_basics() -> None:
    assert rate(100, 300, 2.0) == 100.0
    assert rate(None, 300, 2.0) is None
    assert rate(100, None, 2.0) is None
    assert rate(100, 300, 0.0) is None
    assert rate(100, 300, None) is None
    assert rate(300, 100, 1.0) is None  # went backwards: wrap or reset


@given(
    st.integers(min_value=0, max_value=2**64),
    st.integers(min_value=0, max_value=2**64),
    st.floats(min_value=-10, max_value=10),
)
def test_rate_is_never_negative(previous: int, current: int, interval: float) -> None:
    value = rate(previous, current, interval)
    assert value is None or value >= 0


def test_percent_of_clamps_and_knows_unknowns() -> None:
    assert percent_of(50, 200) == 25.0
    assert percent_of(500, 200) == 100.0
    assert percent_of(1, 0) is None
    assert percent_of(None, 10) is None


def test_cpu_percentages_need_two_readings_of_the_same_cpus() -> None:
    now = [cpu_times(10, 10, 80)]
    assert cpu_percentages(None, now)[0] is None
    assert cpu_percentages(now, [*now, *now])[1] == (None, None)
    assert cpu_percentages(now, None) == (None, (), cpu_percentages(None, None)[2])
    total, per_cpu, breakdown = cpu_percentages(now, [cpu_times(20, 20, 140, iowait=20)])
    assert per_cpu == (20.0,)
    assert total == 20.0
    assert breakdown.user_percent == 10.0
    assert breakdown.iowait_percent == 20.0
    assert breakdown.idle_percent == 60.0


def test_a_counter_that_went_backwards_still_gives_a_figure() -> None:
    # Linux's iowait is an estimate that can decrease between two reads, and on a loaded VM the
    # busy counters can step back by a tick too: the CPU figure must stay known (htop saturates
    # each counter's growth at zero the same way), not turn "unknown" for that tick.
    before = [cpu_times(10, 5, 100, iowait=3.0)]
    after = [cpu_times(10, 4.99, 101, iowait=2.5)]
    total, per_cpu, breakdown = cpu_percentages(before, after)
    assert total == 0.0 and per_cpu == (0.0,)
    assert breakdown.iowait_percent == 0.0 and breakdown.idle_percent == 100.0
    later = [cpu_times(11, 5.5, 101, iowait=2.99)]
    total, _, breakdown = cpu_percentages(before, later)
    assert total is not None and abs(total - 60.0) < 1e-9  # 1.5 s busy of 2.5 s accounted for
    assert breakdown.user_percent == 40.0
