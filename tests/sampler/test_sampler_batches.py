from collections import Counter

import numpy as np
import pytest

from sampler.batches import draw_controls, plan_batches

TYPES = [f"c/s{i}" for i in range(5)]


def _pools(sizes, rng, n_pairs=None):
    """Disjoint pools of the given sizes, plus pair 0 shared by the first two pools."""
    pools, start = [], 1
    for size in sizes:
        pools.append(np.arange(start, start + size))
        start += size
    pools[0] = np.append(pools[0], 0)
    pools[1] = np.append(pools[1], 0)
    return pools, start


def _plan(sizes=(50, 50, 50, 50, 50), annotators=("A", "B", "C"), per=20, overlap=0.0, seed=0):
    pools, n_pairs = _pools(sizes, None)
    return plan_batches(pools, TYPES, n_pairs, annotators, per, overlap, np.random.default_rng(seed))


def test_batch_sizes_equal_type_counts_and_no_repeats():
    plan = _plan()
    seen = Counter()
    for batch in plan.draws.values():
        assert len(batch) == 20
        assert sorted(Counter(d.link_type for d in batch).values()) == [4] * 5
        seen.update(d.pair for d in batch)
    assert max(seen.values()) == 1
    assert plan.shortfalls == []


def test_short_type_is_redistributed_and_reported():
    plan = _plan(sizes=(50, 50, 3, 50, 50), per=20)
    total_short = sum(d.link_type == 2 for batch in plan.draws.values() for d in batch)
    assert total_short == 3
    for batch in plan.draws.values():
        assert len(batch) == 20
    reported = {(s.annotator, s.link_type) for s in plan.shortfalls}
    assert reported == {(a, "c/s2") for a in "ABC"}


def test_more_annotators_than_pools_supply_is_reported():
    plan = _plan(sizes=(2, 2, 2, 2, 2), annotators=("A", "B", "C"), per=5)
    sizes = [len(b) for b in plan.draws.values()]
    assert sum(sizes) == 11  # ten pool pairs plus the shared pair 0
    assert {s.annotator for s in plan.shortfalls if s.link_type == "(batch)"} == {
        a for a, n in zip("ABC", sizes) if n < 5
    }


def test_overlap_share_is_shown_to_every_annotator():
    plan = _plan(per=20, overlap=0.25)
    shared = [{d.pair for d in batch if d.overlap} for batch in plan.draws.values()]
    assert all(len(s) == 5 for s in shared) and shared[0] == shared[1] == shared[2]
    seen = Counter(d.pair for batch in plan.draws.values() for d in batch)
    assert {p for p, n in seen.items() if n > 1} == shared[0]
    assert all(len(batch) == 20 for batch in plan.draws.values())


def test_a_pair_in_two_pools_is_drawn_once():
    plan = _plan(sizes=(1, 1, 0, 0, 0), annotators=("A", "B"), per=5)
    pairs = [d.pair for batch in plan.draws.values() for d in batch]
    assert sorted(pairs) == [0, 1, 2]


def test_same_seed_same_batches_other_seed_other_batches():
    assert _plan(seed=3).draws == _plan(seed=3).draws
    assert _plan(seed=3).draws != _plan(seed=4).draws


def test_duplicate_annotators_rejected():
    with pytest.raises(ValueError, match="unique"):
        _plan(annotators=("A", "A"))


def test_controls_avoid_links_and_repeat_nothing():
    rng = np.random.default_rng(0)
    excluded = np.array([0, 5, 7, 11])
    keys = draw_controls(4, 3, 6, excluded, rng)
    assert len(keys) == 6 and len(set(keys.tolist())) == 6 and not set(keys.tolist()) & set(excluded.tolist())
    assert sorted(draw_controls(4, 3, 100, excluded, rng).tolist()) == [k for k in range(12) if k not in excluded]
    big = draw_controls(1000, 1000, 50, np.arange(0, 10**6, 2), rng)
    assert len(set(big.tolist())) == 50 and (big % 2 == 1).all()
