"""The race's decision is stable by construction: overlapping intervals, fed in any order,
give the same choice (the fixed order: fewest processes, then fewest threads), the reason
says it was a tie decided by that order, and one noisy search point cannot reshape the race's
entrants. Decisions only, on synthetic numbers; nothing is timed."""

from __future__ import annotations

from itertools import permutations

from podfit.profile import _candidates
from podfit.profile.model import ModelSettings, choose_raced
from podfit.profile.race import cost, ties
from podfit.profile.results import Entry, RaceResult
from podfit.profile.server import parse_command
from tests.profile.test_model import _run
from tests.profile.test_racing import QUIET, _entry

# Overlapping intervals like the CPU-bound app's on a loaded host: every mean lies inside the
# others' intervals; the highest mean is the most expensive configuration.
OVERLAPPING = (
    _entry(2, 1, (205, 190, 214, 199, 207)),
    _entry(1, 1, (199, 193, 205, 196, 202)),
    _entry(3, 4, (204, 194, 215, 210, 198)),
    _entry(2, 2, (201, 188, 212, 200, 195)),
)


def _race(entries: tuple[Entry, ...]) -> RaceResult:
    return RaceResult(entries, 5, QUIET)


def _runs_for(entries: tuple[Entry, ...]) -> list:  # type: ignore[type-arg]
    return [_run(e.workers, e.threads, e.interval.value) for e in entries]


def test_overlapping_intervals_in_every_order_give_the_same_choice() -> None:
    chosen = set()
    for order in permutations(OVERLAPPING):
        picked = choose_raced(_runs_for(order), _race(order), ModelSettings())
        assert picked is not None
        run, _, why = picked
        chosen.add((run.workers, run.threads))
        assert "a tie" in why
        assert "fixed order" in why
        assert "4 configuration(s)" in why
    assert chosen == {(1, 1)}  # fewest processes, then fewest threads


def test_ties_depend_on_the_set_not_on_its_order() -> None:
    expected = [cost(e) for e in ties(OVERLAPPING)]
    assert expected[0][:2] == (1, 1)
    for order in permutations(OVERLAPPING):
        assert [cost(e) for e in ties(order)] == expected


def test_fewest_processes_before_fewest_threads() -> None:
    # 1w×64t holds more threads than 2w×16t, but one process is cheaper in memory.
    entries = (_entry(2, 16, (300, 310, 305)), _entry(1, 64, (298, 306, 302)),
               _entry(2, 32, (304, 309, 301)))
    for order in permutations(entries):
        assert cost(ties(order)[0])[:2] == (1, 64)


def test_a_real_difference_is_not_a_tie_in_any_order() -> None:
    # 1w×64t is clearly below: its upper bound lies under 95 % of the others' lower bounds.
    entries = (_entry(1, 64, (250, 256, 262, 252, 258)),
               _entry(2, 64, (325, 330, 322, 328, 331)),
               _entry(3, 64, (327, 323, 332, 329, 326)))
    for order in permutations(entries):
        picked = choose_raced(_runs_for(order), _race(order), ModelSettings())
        assert picked is not None
        run, _, why = picked
        assert (run.workers, run.threads) == (2, 64)
        assert "1w×64t" not in why.split("a tie")[1].split(";")[0]
        assert "2 configuration(s)" in why


def test_a_clear_winner_is_reported_as_a_measured_difference() -> None:
    entries = (_entry(1, 8, (100, 98, 101)), _entry(2, 8, (150, 148, 152)))
    for order in permutations(entries):
        picked = choose_raced(_runs_for(order), _race(order), ModelSettings())
        assert picked is not None
        assert (picked[1].workers, picked[1].threads) == (2, 8)
        assert "not a tie" in picked[2]


def test_one_noisy_search_point_does_not_remove_the_cheap_entrants() -> None:
    command = parse_command(["gunicorn", "app:app"])
    base = [_run(1, 32, 250), _run(1, 64, 256), _run(2, 32, 300), _run(2, 64, 320),
            _run(3, 64, 327)]
    # The same search, but one point (3w×64t) came out 30 % high this time.
    lucky = [*base[:4], _run(3, 64, 425)]
    sets = [{(c.workers, c.threads) for c in _candidates(runs, command, 4, None)}
            for runs in (base, lucky)]
    assert sets[0] == sets[1]
    assert (1, 32) in sets[0]
    assert (2, 32) in sets[0]


def test_which_thread_count_scored_highest_does_not_decide_the_entrants() -> None:
    # slowio on a busy host: at one worker 64 threads came out above 128 in one search and
    # below it in the next; both must race, so the race (not that point) decides.
    command = parse_command(["gunicorn", "app:app"])
    first = [_run(1, 16, 230), _run(1, 32, 250), _run(1, 64, 320), _run(1, 128, 300),
             _run(2, 128, 330)]
    second = [*first[:2], _run(1, 64, 300), _run(1, 128, 320), first[4]]
    for runs in (first, second):
        entrants = {(c.workers, c.threads) for c in _candidates(runs, command, 4, None)}
        assert {(1, 64), (1, 128), (2, 128)} <= entrants
