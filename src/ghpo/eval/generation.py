"""Prompts in, completions out: one small interface, two backends.

    backend.generate(prompts, n, sampling) -> one list of `n` Generations per prompt

`TransformersBackend` batches `model.generate` (left padding, greedy or sampled, a progress
bar); `VLLMBackend` makes one `LLM.generate` call with `n` samples per prompt. Both receive the
same rendered prompt strings (`render_prompt`), so switching backend changes speed, not the
question. `make_backend("auto", ...)` takes vLLM when it is installed and a GPU is visible.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Protocol as TypingProtocol

from .protocol import Protocol


@dataclass(frozen=True)
class Sampling:
    """Sampling settings of one `generate` call; temperature 0 means greedy."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_new_tokens: int = 512
    seed: int = 0

    @classmethod
    def from_protocol(cls, protocol: Protocol) -> Sampling:
        return cls(protocol.temperature, protocol.top_p, protocol.max_new_tokens, protocol.seed)


@dataclass(frozen=True)
class Generation:
    """One completion: its text, how many tokens it took, and whether it ended by itself
    (False: cut at max_new_tokens)."""

    text: str
    num_tokens: int
    finished: bool


class Backend(TypingProtocol):
    def generate(self, prompts: list[str], n: int, sampling: Sampling) -> list[list[Generation]]: ...


def build_messages(question: str, system_prompt: str | None, user_template: str = "{question}") -> list[dict]:
    """The conversation for one question: optional system message, then the user message.

    >>> build_messages("1+1?", "Be brief.")
    [{'role': 'system', 'content': 'Be brief.'}, {'role': 'user', 'content': '1+1?'}]
    >>> build_messages("1+1?", None, "Q: {question}\\nA:")
    [{'role': 'user', 'content': 'Q: 1+1?\\nA:'}]
    """
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    messages.append({"role": "user", "content": user_template.replace("{question}", question)})
    return messages


def render_prompt(tokenizer, messages: list[dict], chat_template: str | None = None) -> str:
    """The prompt text a model sees: the chat template applied with the assistant turn opened.

    `chat_template` None uses the tokenizer's own; "none" joins the messages as plain text (for
    base models without a template); anything else is a Jinja template (text or a file path).
    """
    if chat_template == "none":
        return "\n\n".join(message["content"] for message in messages) + "\n\n"
    template = chat_template
    if template is not None and not ("{%" in template or "{{" in template):
        with open(template) as file:  # a path to a .jinja file
            template = file.read()
    if template is None and not tokenizer.chat_template:
        raise ValueError("the tokenizer has no chat template: pass --chat-template none (plain text) or a template")
    return tokenizer.apply_chat_template(messages, chat_template=template, tokenize=False, add_generation_prompt=True)


def cut_at_end(token_ids: list[int], end_ids: set[int]) -> tuple[list[int], bool]:
    """A generated sequence up to (without) its first end token, and whether it had one.

    By position, not by id alone: models whose pad token is their end token (SmolLM2) pad
    finished rows with that same id.

    >>> cut_at_end([5, 6, 2, 2, 2], {2})
    ([5, 6], True)
    >>> cut_at_end([5, 6, 7], {2})
    ([5, 6, 7], False)
    """
    for position, token in enumerate(token_ids):
        if token in end_ids:
            return token_ids[:position], True
    return token_ids, False


def _end_token_ids(model, tokenizer) -> set[int]:
    ids = model.generation_config.eos_token_id
    ids = set(ids if isinstance(ids, list) else [ids] if ids is not None else [])
    if tokenizer.eos_token_id is not None:
        ids.add(tokenizer.eos_token_id)
    return ids


class TransformersBackend:
    """`model.generate` over batches of `batch_size` sequences, left-padded, seeded once per call
    (same seed, prompts and batch size: same completions).

    With greedy decoding, `n` samples would be `n` identical copies: one is generated and copied.
    """

    def __init__(self, model, tokenizer, batch_size: int = 8, progress: bool = True):
        self.model, self.tokenizer, self.batch_size, self.progress = model, tokenizer, batch_size, progress

    def generate(self, prompts: list[str], n: int, sampling: Sampling) -> list[list[Generation]]:
        import torch
        from tqdm.auto import tqdm

        greedy = sampling.temperature == 0
        copies = 1 if greedy else n
        sequences = [prompt for prompt in prompts for _ in range(copies)]  # (P * copies,)
        batches = [sequences[i : i + self.batch_size] for i in range(0, len(sequences), self.batch_size)]
        was_training = self.model.training
        self.model.eval()
        outputs: list[Generation] = []
        # A private random stream: seeded here, and the caller's (a trainer's) is left as it was.
        cuda = [self.model.device.index or 0] if self.model.device.type == "cuda" else []
        try:
            with torch.random.fork_rng(devices=cuda), torch.inference_mode():
                torch.manual_seed(sampling.seed)
                for batch in tqdm(batches, desc="generating", unit="batch", disable=not self.progress):
                    outputs += self._generate_batch(batch, sampling)
        finally:
            self.model.train(was_training)
        grouped = [outputs[i * copies : (i + 1) * copies] for i in range(len(prompts))]
        return [group * n if greedy else group for group in grouped]

    def _generate_batch(self, texts: list[str], sampling: Sampling) -> list[Generation]:
        from transformers import GenerationConfig

        tokenizer = self.tokenizer
        padding_side, tokenizer.padding_side = tokenizer.padding_side, "left"
        try:
            # The chat template already wrote any special tokens the model expects.
            inputs = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        finally:
            tokenizer.padding_side = padding_side
        inputs = inputs.to(self.model.device)
        end_ids = _end_token_ids(self.model, tokenizer)
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else min(end_ids)
        greedy = sampling.temperature == 0
        config = GenerationConfig(
            max_new_tokens=sampling.max_new_tokens,
            do_sample=not greedy,
            temperature=None if greedy else sampling.temperature,
            top_p=None if greedy else sampling.top_p,
            top_k=None,
            eos_token_id=sorted(end_ids),
            pad_token_id=pad_id,
            use_cache=True,
        )
        output = self.model.generate(**inputs, generation_config=config)  # (B, prompt + new)
        new_tokens = output[:, inputs["input_ids"].shape[1] :].tolist()  # (B, new)
        generations = []
        for ids in new_tokens:
            kept, finished = cut_at_end(ids, end_ids)
            text = tokenizer.decode(kept, skip_special_tokens=True)
            generations.append(Generation(text, len(kept) + finished, finished))
        return generations


class VLLMBackend:
    """One `LLM.generate` with `SamplingParams(n=...)`: vLLM batches and schedules by itself.

    Untested here (no GPU, no vLLM): kept to the calls vLLM has had since 0.6 on purpose.
    """

    def __init__(self, model_path: str, seed: int = 0, dtype: str = "auto", **llm_kwargs):
        from vllm import LLM

        self.llm = LLM(model=model_path, seed=seed, dtype=dtype, **llm_kwargs)

    def generate(self, prompts: list[str], n: int, sampling: Sampling) -> list[list[Generation]]:
        from vllm import SamplingParams

        params = SamplingParams(
            n=n,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            max_tokens=sampling.max_new_tokens,
            seed=sampling.seed,
        )
        results = self.llm.generate(prompts, params)
        return [
            [Generation(out.text, len(out.token_ids), out.finish_reason == "stop") for out in result.outputs]
            for result in results
        ]


def vllm_usable() -> bool:
    """vLLM is installed and a CUDA GPU is visible."""
    if importlib.util.find_spec("vllm") is None:
        return False
    import torch

    return torch.cuda.is_available()


def pick_backend_name(requested: str) -> str:
    """'auto' -> 'vllm' when usable else 'transformers'; an explicit name is checked."""
    if requested not in ("auto", "vllm", "transformers"):
        raise ValueError(f"backend must be auto, vllm or transformers, got {requested!r}")
    if requested == "auto":
        return "vllm" if vllm_usable() else "transformers"
    if requested == "vllm" and importlib.util.find_spec("vllm") is None:
        raise ValueError("backend 'vllm' asked for but vLLM is not installed: pip install 'ghpo[vllm]'")
    return requested
