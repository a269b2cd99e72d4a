"""Tiny, locally built models and tokenizers: nothing is downloaded.

Tests, the CPU recipe and `ghpo demo` need a real `transformers` causal LM with a chat template but must never touch
the Hub. `build_tiny_model(path, corpus)` trains a byte-level BPE on `corpus` (digits split one per token, so
arithmetic stays learnable), wraps it as a `PreTrainedTokenizerFast` with a Qwen-style chat template, builds a small
randomly initialised Qwen2 (or Llama) model sized to that vocabulary, and saves both as an ordinary HF model folder.

    >>> path = build_tiny_model("/tmp/tiny", ["What is 2 + 3? \\\\boxed{5}"])   # doctest: +SKIP
    >>> AutoModelForCausalLM.from_pretrained(path)                            # doctest: +SKIP
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import AutoConfig, LlamaForCausalLM, PreTrainedTokenizerFast, Qwen2ForCausalLM

# Qwen2-style ChatML template; `add_generation_prompt` opens the assistant turn.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

# Always in the vocabulary, whatever the corpus: every printable ASCII character (so no input is ever unknown) and
# the tags the rewards look for.
_BASE_ALPHABET = list(string.printable)
_DEFAULT_CORPUS = [
    "<think>\nLet me think step by step.\n</think>\n<answer>\n\\boxed{42}\n</answer>",
    "The following text is the beginning part of the answer, which you can refer to for solving the problem:",
    "What is 12 + 30? First add the tens, then the ones. The answer is \\boxed{42}.",
]


def build_tokenizer(corpus: Iterable[str], vocab_size: int = 512) -> PreTrainedTokenizerFast:
    """Train a small byte-level BPE on `corpus`, with ChatML special tokens and chat template."""
    tokenizer = Tokenizer(models.BPE())
    # Digits one per token: a number's tokens then mean the same thing wherever it appears.
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator([*_DEFAULT_CORPUS, *_BASE_ALPHABET, *corpus], trainer=trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=None,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
        padding_side="left",  # saved with the tokenizer: batched generation needs left padding
    )
    wrapped.chat_template = CHAT_TEMPLATE
    return wrapped


def build_model(
    tokenizer: PreTrainedTokenizerFast,
    architecture: str = "qwen2",
    hidden_size: int = 64,
    num_layers: int = 2,
    num_heads: int = 4,
    max_positions: int = 1024,
    seed: int = 0,
):
    """A randomly initialised causal LM (`qwen2` or `llama` shaped) sized to `tokenizer`'s vocabulary."""
    import torch

    if architecture not in ("qwen2", "llama"):
        raise ValueError(f"architecture must be 'qwen2' or 'llama', got {architecture!r}")
    config = AutoConfig.for_model(
        architecture,
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 4,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        num_key_value_heads=max(1, num_heads // 2),
        max_position_embeddings=max_positions,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
    )
    torch.manual_seed(seed)
    # The class itself, not `from_config`: under DeepSpeed ZeRO-3 `from_config` enters `zero.Init`, a collective
    # that would hang a build made by one process while the others wait (same weights either way).
    model = {"qwen2": Qwen2ForCausalLM, "llama": LlamaForCausalLM}[architecture](config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.bos_token_id = None
    return model


def build_tiny_model(
    path: str | Path,
    corpus: Iterable[str] = (),
    vocab_size: int = 512,
    **model_kwargs,
) -> str:
    """Build a tokenizer and a random tiny model and save both under `path`; returns `path` as a string."""
    tokenizer = build_tokenizer(corpus, vocab_size=vocab_size)
    model = build_model(tokenizer, **model_kwargs)
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)
