"""@random as Frotz computes it (``zvm.rng.FrotzRandom``), checked against the
facts in shared/README.md ("Frotz's random numbers"):

- state A, set to the seed at start and at every restart;
- normal draw for n > 0: A = (A * 0x015A4E35 + 1) mod 2**32, raw = (A >> 16) & 0x7FFF,
  result raw mod n + 1;
- -k, 0 < k < 1000: counting mode; the counter starts at 0, each draw's raw value is
  the counter, which then goes up by one and wraps to 0 on reaching k; A untouched;
- -k, k >= 1000 (-32768 counts as 32768): A = k, normal mode;
- 0: normal mode, A = the seed;
- every seeding form stores 0.

The reference below is written from those sentences, not from zvm.rng.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zvm.vm.rng import FrotzRandom

MULT = 0x015A4E35


def lcg_results(a: int, ns: list[int]) -> tuple[list[int], int]:
    """Normal-mode results for successive @random n, and the final A."""
    out = []
    for n in ns:
        a = (a * MULT + 1) % 2**32
        raw = (a >> 16) & 0x7FFF
        out.append(raw % n + 1)
    return out, a


def test_seed_1_first_raw_values():
    """A worked by hand: A1 = 0x015A4E35 + 1 = 0x015A4E36, raw = 0x015A = 346."""
    r = FrotzRandom(1)
    assert r.random(32767) == 346 % 32767 + 1
    # A2 = 0x015A4E36 * 0x015A4E35 + 1 mod 2**32
    a2 = (0x015A4E36 * 0x015A4E35 + 1) % 2**32
    assert r.random(32767) == ((a2 >> 16) & 0x7FFF) % 32767 + 1


def test_seed_0_first_value():
    """From A = 0: A1 = 1, raw = 0, so @random n gives 1 for any n."""
    assert FrotzRandom(0).random(100) == 1


@pytest.mark.parametrize("seed", [0, 1, 12, 1000, 0x7FFF, 0xDEADBEEF])
def test_normal_sequence_matches_formula(seed):
    ns = [6, 100, 1, 32767, 2, 3, 7, 1000, 20, 5] * 5
    expected, _ = lcg_results(seed, ns)
    r = FrotzRandom(seed)
    assert [r.random(n) for n in ns] == expected


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.lists(st.integers(1, 32767), min_size=1, max_size=30))
def test_normal_sequence_property(seed, ns):
    expected, _ = lcg_results(seed, ns)
    r = FrotzRandom(seed)
    results = [r.random(n) for n in ns]
    assert results == expected
    assert all(1 <= x <= n for x, n in zip(results, ns))


def test_random_zero_returns_to_seed():
    r = FrotzRandom(12)
    first = [r.random(50) for _ in range(10)]
    assert r.random(0) == 0
    assert [r.random(50) for _ in range(10)] == first


def test_random_zero_leaves_counting_mode():
    r = FrotzRandom(12)
    expected, _ = lcg_results(12, [50] * 5)
    r.random(-5)
    r.random(50)
    assert r.random(0) == 0
    assert [r.random(50) for _ in range(5)] == expected


def test_reset_is_the_seed():
    """At restart A is set to the seed again."""
    r = FrotzRandom(77)
    first = [r.random(9) for _ in range(8)]
    r.random(-3)
    r.reset()
    assert [r.random(9) for _ in range(8)] == first


def test_counting_mode():
    """-k, k < 1000: raw values 0, 1, ..., k-1, 0, ... and result raw mod n + 1."""
    r = FrotzRandom(5)
    assert r.random(-4) == 0
    # with n >= k, the results are 1..k repeating
    assert [r.random(10) for _ in range(9)] == [1, 2, 3, 4, 1, 2, 3, 4, 1]
    # n smaller than k: raw mod n + 1; the counter continues at 1
    assert [r.random(2) for _ in range(5)] == [1 % 2 + 1, 2 % 2 + 1, 3 % 2 + 1,
                                               0 % 2 + 1, 1 % 2 + 1]


@pytest.mark.parametrize("k", [1, 2, 7, 999])
def test_counting_mode_cycle(k):
    r = FrotzRandom(3)
    assert r.random(-k) == 0
    n = 32767
    got = [r.random(n) for _ in range(2 * k + 3)]
    assert got == [(i % k) % n + 1 for i in range(2 * k + 3)]


def test_counting_mode_restarts_counter():
    r = FrotzRandom(3)
    r.random(-10)
    [r.random(100) for _ in range(4)]
    r.random(-10)
    assert r.random(100) == 1


def test_counting_mode_leaves_a_untouched():
    """No seeding form leaves counting mode without setting A, so A can only
    be seen as the generator's state (``a``): it is where the normal draws
    before counting mode left it."""
    r = FrotzRandom(99)
    expected, a_after = lcg_results(99, [1000] * 3)
    assert [r.random(1000) for _ in range(3)] == expected
    r.random(-20)
    [r.random(1000) for _ in range(7)]
    assert r.a == a_after


@pytest.mark.parametrize("k", [1000, 1001, 12345, 32767, 32768])
def test_large_negative_reseeds(k):
    """-k with k >= 1000: A = k and normal mode, whatever the mode was."""
    r = FrotzRandom(4)
    r.random(-3)                                     # counting mode first
    assert r.random(-k) == 0
    ns = [100, 7, 32767, 3]
    assert [r.random(n) for n in ns] == lcg_results(k, ns)[0]


def test_minus_32768_counts_as_32768():
    r = FrotzRandom(4)
    assert r.random(-32768) == 0
    assert r.random(32767) == lcg_results(32768, [32767])[0][0]


@pytest.mark.parametrize("n", [0, -1, -999, -1000, -32768])
def test_every_seeding_form_returns_zero(n):
    assert FrotzRandom(8).random(n) == 0


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1),
       st.lists(st.one_of(st.integers(1, 32767), st.integers(-32768, 0)), max_size=40))
def test_results_always_in_range(seed, ops):
    r = FrotzRandom(seed)
    for n in ops:
        x = r.random(n)
        if n > 0:
            assert 1 <= x <= n
        else:
            assert x == 0


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1),
       st.lists(st.one_of(st.integers(1, 32767), st.integers(-32768, 0)), max_size=40))
def test_against_reference_model(seed, ops):
    """A whole mixed sequence against a model written from the README."""
    a, interval, counter = seed, 0, 0
    r = FrotzRandom(seed)
    for n in ops:
        if n > 0:
            if interval:
                raw = counter
                counter += 1
                if counter == interval:
                    counter = 0
            else:
                a = (a * MULT + 1) % 2**32
                raw = (a >> 16) & 0x7FFF
            expected = raw % n + 1
        elif n == 0:
            a, interval, expected = seed, 0, 0
        elif -n < 1000:
            interval, counter, expected = -n, 0, 0
        else:
            a, interval, expected = -n, 0, 0
        assert r.random(n) == expected, n
