import numpy as np
import pytest

from sampler.strata import derive_strata, pattern_codes, stratum_lookup


def _table(models, base="base"):
    return {s.name: s.pattern for s in derive_strata(models, base)}


def test_two_models_drop_the_duplicate_fine_tuned_pattern():
    assert _table(["base", "ft"]) == {"all": (True, True), "base-only": (True, False), "fine-tuned-only": (False, True)}


def test_three_models_give_the_study_strata():
    assert _table(["base", "ft-last", "ft-best"]) == {
        "all": (True, True, True),
        "base-only": (True, False, False),
        "fine-tuned-only": (False, True, True),
        "ft-last-only": (False, True, False),
        "ft-best-only": (False, False, True),
    }


def test_four_models_and_a_base_that_is_not_first():
    table = _table(["ft1", "siglip", "ft2", "ft3"], base="siglip")
    assert table == {
        "all": (True, True, True, True),
        "base-only": (False, True, False, False),
        "fine-tuned-only": (True, False, True, True),
        "ft1-only": (True, False, False, False),
        "ft2-only": (False, False, True, False),
        "ft3-only": (False, False, False, True),
    }


def test_one_model_has_one_stratum():
    assert _table(["base"]) == {"all": (True,)}


def test_unknown_base_and_ambiguous_names_are_errors():
    with pytest.raises(ValueError, match="not one of the models"):
        derive_strata(["a", "b"], "base")
    with pytest.raises(ValueError, match="ambiguous"):
        derive_strata(["base", "fine-tuned", "x"], "base")


def test_lookup_maps_patterns_and_leaves_others_out():
    strata = derive_strata(["base", "ft-last", "ft-best"], "base")
    lookup = stratum_lookup(strata, 3)
    flags = np.array([[1, 1, 1], [1, 0, 0], [0, 1, 1], [0, 1, 0], [0, 0, 1], [1, 1, 0], [0, 0, 0]], dtype=bool)
    names = [strata[i].name if i >= 0 else None for i in lookup[pattern_codes(flags)]]
    assert names == ["all", "base-only", "fine-tuned-only", "ft-last-only", "ft-best-only", None, None]
