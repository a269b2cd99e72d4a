"""GHPOConfig validation."""

import pytest

from ghpo.config import GHPOConfig


def config(**kwargs):
    return GHPOConfig(output_dir="/tmp/ghpo-test-config", report_to="none", use_cpu=True, **kwargs)


def test_defaults_are_the_papers_ladder():
    cfg = config()
    assert cfg.hint_ratios == [0.25, 0.5, 0.75] and cfg.hint_unit == "char" and cfg.uses_hints


@pytest.mark.parametrize("ratios, message", [([0.5, 0.25], "strictly increasing"), ([0.0, 0.5], r"\(0, 1\]"),
                                             ([0.5, 1.5], r"\(0, 1\]"), ([0.5, 0.5], "strictly increasing")])
def test_bad_ladders_are_rejected(ratios, message):
    with pytest.raises(ValueError, match=message):
        config(hint_ratios=ratios)


def test_grpo_or_empty_ladder_means_no_hints():
    assert not config(rl_type="grpo").uses_hints
    assert not config(hint_ratios=[]).uses_hints


@pytest.mark.parametrize("field, value", [("rl_type", "ppo"), ("hint_unit", "sentence"), ("start_hint_step", -1),
                                          ("hint_max_tokens", 0), ("max_prompt_length", -5)])
def test_bad_values_name_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        config(**{field: value})
