"""Protocols: presets, then a protocol file, then flags; every field checked."""

from __future__ import annotations

import pytest

from ghpo.data import PAPER_SYSTEM_PROMPT
from ghpo.eval.protocol import (
    PRESETS,
    Protocol,
    load_protocol_file,
    parse_samples_per_benchmark,
    resolve_protocol,
)


def test_paper_preset():
    protocol = resolve_protocol("paper")
    assert (protocol.max_new_tokens, protocol.temperature, protocol.top_p) == (4096, 0.01, 0.95)
    assert protocol.samples_for("aime24") == 32 and protocol.samples_for("math500") == 1
    assert protocol.system_prompt == PAPER_SYSTEM_PROMPT and protocol.chat_template is None
    assert protocol.user_template == "{question}"  # the question alone: no hint, no extra instruction


def test_greedy_and_readme_presets():
    greedy, readme = resolve_protocol("greedy"), resolve_protocol("readme")
    assert greedy.greedy and greedy.samples_for("aime24") == 1
    assert readme.max_new_tokens == 8192 and readme.samples_for("aime24") == 32
    assert set(PRESETS) == {"paper", "readme", "greedy"}


def test_layers_apply_in_order_and_none_means_unset():
    protocol = resolve_protocol("paper", file_values={"max_new_tokens": 1024, "seed": 7},
                                overrides={"max_new_tokens": 256, "seed": None, "temperature": 0.0})
    assert (protocol.max_new_tokens, protocol.seed, protocol.temperature) == (256, 7, 0.0)


def test_samples_alone_applies_to_every_benchmark():
    assert resolve_protocol("paper", overrides={"samples": 4}).samples_for("aime24") == 4
    both = resolve_protocol("paper", overrides={"samples": 4, "samples_per_benchmark": {"amc23": 8}})
    assert (both.samples_for("aime24"), both.samples_for("amc23"), both.samples_for("math500")) == (4, 8, 4)


def test_protocol_file(tmp_path):
    path = tmp_path / "protocol.yaml"
    path.write_text("temperature: 0.6\nsystem_prompt: ''\nsamples_per_benchmark: {aime24: 16}\n")
    protocol = resolve_protocol("greedy", file_values=load_protocol_file(path))
    assert protocol.temperature == 0.6 and protocol.system_prompt == "" and protocol.samples_for("aime24") == 16
    path.write_text("temprature: 0.6\n")
    with pytest.raises(ValueError, match=r"unknown protocol field\(s\) \['temprature'\]"):
        load_protocol_file(path)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("temperature", -0.1, "temperature must be >= 0"),
    ("top_p", 0.0, "top_p must be in"),
    ("max_new_tokens", 0, "max_new_tokens must be >= 1"),
    ("samples", 0, "samples must be >= 1"),
    ("samples_per_benchmark", {"aime24": 0}, "samples_per_benchmark values"),
    ("user_template", "Solve this.", "must contain '{question}'"),
])
def test_invalid_fields_are_named(field, value, message):
    with pytest.raises(ValueError, match=message):
        Protocol(**{field: value})


def test_answer_extraction_is_strict_unless_asked(tmp_path):
    assert all(resolve_protocol(name).answer_extraction == "strict" for name in PRESETS)  # numbers unchanged
    assert resolve_protocol("paper", overrides={"answer_extraction": "lenient"}).answer_extraction == "lenient"
    path = tmp_path / "protocol.yaml"
    path.write_text("answer_extraction: lenient\n")
    assert resolve_protocol("greedy", file_values=load_protocol_file(path)).answer_extraction == "lenient"
    with pytest.raises(ValueError, match=r"answer_extraction must be one of \['strict', 'lenient'\]"):
        Protocol(answer_extraction="loose")


def test_unknown_preset():
    with pytest.raises(ValueError, match=r"unknown preset 'fast'; choose from \['greedy', 'paper', 'readme'\]"):
        resolve_protocol("fast")


def test_parse_samples_per_benchmark():
    assert parse_samples_per_benchmark("aime24=32,amc23=4") == {"aime24": 32, "amc23": 4}
    with pytest.raises(ValueError, match="expected NAME=K"):
        parse_samples_per_benchmark("aime24:32")
