"""Fixtures for the sampler tests (helpers live in sampler_fakes.py)."""

import pytest
from sampler_fakes import make_study_vectors


@pytest.fixture
def study_vectors() -> dict:
    return make_study_vectors()
