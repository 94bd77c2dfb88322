import numpy as np
import pytest
import torch

from sampler.selection import exact_percentile, float32_at_least, linear_ranks


def _source(values: np.ndarray, chunk: int):
    tensor = torch.from_numpy(values)
    return lambda: (tensor[i : i + chunk] for i in range(0, len(tensor), chunk))


@pytest.mark.parametrize("q", [0.5, 1, 25, 37.3, 50, 90, 99, 99.9])
@pytest.mark.parametrize("bins, cap", [(65536, 1 << 24), (4, 1), (16, 3)])
def test_exact_percentile_equals_numpy_linear(q, bins, cap):
    values = np.tanh(np.random.default_rng(4).normal(size=2001)).astype(np.float32)
    assert exact_percentile(_source(values, 97), q, bins=bins, cap=cap) == np.percentile(values.astype(np.float64), q)


@pytest.mark.parametrize("q", [1, 50, 99])
def test_exact_percentile_with_many_ties_and_a_tiny_cap(q):
    values = np.round(np.random.default_rng(5).uniform(-1, 1, size=3000), 1).astype(np.float32)
    assert exact_percentile(_source(values, 250), q, bins=8, cap=2) == np.percentile(values.astype(np.float64), q)


def test_values_outside_unit_interval_and_nan():
    values = np.array([np.nan, 3.0, -2.0, 0.5, np.nan, 1.0000001, -1.5], dtype=np.float32)
    finite = values[~np.isnan(values)].astype(np.float64)
    for q in (10, 50, 95):
        assert exact_percentile(_source(values, 2), q, bins=4, cap=1) == np.percentile(finite, q)


@pytest.mark.parametrize("q", [0, 100, -1, 101, float("nan")])
def test_percentile_outside_open_interval_is_rejected(q):
    with pytest.raises(ValueError, match="strictly between 0 and 100"):
        exact_percentile(_source(np.zeros(4, dtype=np.float32), 2), q)


def test_no_values_is_an_error():
    with pytest.raises(ValueError, match="no scores"):
        exact_percentile(_source(np.full(3, np.nan, dtype=np.float32), 2), 50)


def test_linear_ranks_and_float32_threshold():
    assert linear_ranks(101, 99) == (99, 100, pytest.approx(0.0))
    assert linear_ranks(1, 50) == (0, 0, 0.0)
    threshold = 0.1 + 1e-12
    rounded = float32_at_least(threshold)
    assert float(rounded) >= threshold and float(np.nextafter(rounded, np.float32(-1))) < threshold
    assert float32_at_least(0.5) == np.float32(0.5)
