"""Generation backends: prompt rendering, cutting at the end token, the transformers backend on the tiny
model, and the vLLM backend against a stand-in `vllm` module (the real one needs a GPU)."""

from __future__ import annotations

import importlib.machinery
import sys
import types

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from ghpo.eval.generation import (
    Generation,
    Sampling,
    TransformersBackend,
    VLLMBackend,
    build_messages,
    cut_at_end,
    pick_backend_name,
    render_prompt,
)


@pytest.fixture(scope="module")
def tiny(tiny_model_dir):
    return AutoModelForCausalLM.from_pretrained(tiny_model_dir), AutoTokenizer.from_pretrained(tiny_model_dir)


def test_render_prompt_with_the_models_template(tiny):
    _, tokenizer = tiny
    prompt = render_prompt(tokenizer, build_messages("What is 3 + 4?", "Think first."))
    assert prompt == ("<|im_start|>system\nThink first.<|im_end|>\n<|im_start|>user\nWhat is 3 + 4?<|im_end|>\n"
                      "<|im_start|>assistant\n")


def test_render_prompt_plain_text_and_template_file(tiny, tmp_path):
    _, tokenizer = tiny
    messages = build_messages("What is 3 + 4?", "Think first.")
    assert render_prompt(tokenizer, messages, "none") == "Think first.\n\nWhat is 3 + 4?\n\n"
    template = tmp_path / "t.jinja"
    template.write_text("{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}[assistant] ")
    assert render_prompt(tokenizer, messages, str(template)) == (
        "[system] Think first.\n[user] What is 3 + 4?\n[assistant] ")


def test_render_prompt_without_any_template_says_what_to_do(tiny):
    _, tokenizer = tiny
    bare = types.SimpleNamespace(chat_template=None)
    with pytest.raises(ValueError, match="--chat-template none"):
        render_prompt(bare, build_messages("q", None))


@pytest.mark.parametrize(("ids", "expected"), [
    ([5, 6, 2, 2, 2], ([5, 6], True)),  # pad == end (SmolLM2): the first one ends it
    ([2], ([], True)),
    ([5, 6, 7], ([5, 6, 7], False)),  # cut at max_new_tokens
    ([5, 9, 6], ([5], True)),  # any of several end ids
])
def test_cut_at_end(ids, expected):
    assert cut_at_end(ids, {2, 9}) == expected


def prompts_for(tokenizer, questions):
    return [render_prompt(tokenizer, build_messages(q, None)) for q in questions]


def test_greedy_n_samples_are_copies_of_one_generation(tiny):
    model, tokenizer = tiny
    backend = TransformersBackend(model, tokenizer, batch_size=4, progress=False)
    outputs = backend.generate(prompts_for(tokenizer, ["What is 3 + 4?", "Solve 2x = 10."]), 3,
                               Sampling(max_new_tokens=6))
    assert [len(samples) for samples in outputs] == [3, 3]
    assert all(len(set(samples)) == 1 for samples in outputs)
    assert all(isinstance(g, Generation) and 1 <= g.num_tokens <= 6 for samples in outputs for g in samples)


def test_left_padded_batches_match_one_prompt_at_a_time(tiny):
    model, tokenizer = tiny
    tokenizer.padding_side = "right"  # as training tokenizers often are: generation must still pad left
    prompts = prompts_for(tokenizer, ["What is 3 + 4?", "Solve for x: 2x = 10. Divide both sides by 2."])
    batched = TransformersBackend(model, tokenizer, batch_size=2, progress=False).generate(prompts, 1, Sampling(
        max_new_tokens=8))
    alone = TransformersBackend(model, tokenizer, batch_size=1, progress=False).generate(prompts, 1, Sampling(
        max_new_tokens=8))
    assert [s[0].text for s in batched] == [s[0].text for s in alone]
    assert tokenizer.padding_side == "right"  # restored as it was


def test_sampling_is_seeded_and_leaves_the_callers_random_state_alone(tiny):
    model, tokenizer = tiny
    backend = TransformersBackend(model, tokenizer, batch_size=8, progress=False)
    prompts = prompts_for(tokenizer, ["What is 3 + 4?"])
    torch.manual_seed(123)
    state = torch.get_rng_state()
    first = backend.generate(prompts, 4, Sampling(temperature=1.0, max_new_tokens=12, seed=1))
    assert torch.equal(torch.get_rng_state(), state)
    assert first == backend.generate(prompts, 4, Sampling(temperature=1.0, max_new_tokens=12, seed=1))
    assert first != backend.generate(prompts, 4, Sampling(temperature=1.0, max_new_tokens=12, seed=2))
    assert len({g.text for g in first[0]}) > 1  # four different samples at temperature 1


def test_training_mode_is_restored(tiny):
    model, tokenizer = tiny
    model.train()
    TransformersBackend(model, tokenizer, progress=False).generate(prompts_for(tokenizer, ["q"]), 1,
                                                                   Sampling(max_new_tokens=2))
    assert model.training
    model.eval()


@pytest.fixture
def fake_vllm(monkeypatch):
    """A stand-in for `vllm` that records the calls and answers like vLLM's RequestOutput."""
    module = types.ModuleType("vllm")
    module.__spec__ = importlib.machinery.ModuleSpec("vllm", None)
    calls = {}

    class SamplingParams:
        def __init__(self, **kwargs):
            calls["params"] = kwargs

    class LLM:
        def __init__(self, **kwargs):
            calls["llm"] = kwargs

        def generate(self, prompts, params):
            calls["prompts"] = prompts
            n = calls["params"]["n"]
            return [types.SimpleNamespace(outputs=[
                types.SimpleNamespace(text=f"{p}#{j}", token_ids=[1] * (j + 1), finish_reason="stop" if j else "length")
                for j in range(n)]) for p in prompts]

    module.LLM, module.SamplingParams = LLM, SamplingParams
    monkeypatch.setitem(sys.modules, "vllm", module)
    return calls


def test_vllm_backend_makes_one_call_with_n_samples(fake_vllm):
    backend = VLLMBackend("some/model", seed=3, dtype="bfloat16")
    outputs = backend.generate(["p1", "p2"], 2, Sampling(temperature=0.6, top_p=0.95, max_new_tokens=64, seed=3))
    assert fake_vllm["llm"] == {"model": "some/model", "seed": 3, "dtype": "bfloat16"}
    assert fake_vllm["params"] == {"n": 2, "temperature": 0.6, "top_p": 0.95, "max_tokens": 64, "seed": 3}
    assert fake_vllm["prompts"] == ["p1", "p2"]
    assert outputs[1] == [Generation("p2#0", 1, False), Generation("p2#1", 2, True)]


def test_pick_backend_name(fake_vllm, monkeypatch):
    assert pick_backend_name("transformers") == "transformers"
    assert pick_backend_name("vllm") == "vllm"  # installed (the stand-in)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert pick_backend_name("auto") == "transformers"  # vLLM without a GPU is no use
    with pytest.raises(ValueError, match="backend must be"):
        pick_backend_name("onnx")


def test_asking_for_vllm_without_it_is_explained(monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", None)  # import vllm -> ImportError, find_spec -> ValueError
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(ValueError, match=r"pip install 'ghpo\[vllm\]'"):
        pick_backend_name("vllm")
