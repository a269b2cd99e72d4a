"""What the vLLM tier's tests look at: the calls a real engine receives, the batches the loss trains on, and the
log-probs the engine and the policy give one fixed sequence."""

from __future__ import annotations

import torch

from ghpo.config import PAPER_HINT_LEAD_IN
from ghpo.testing import make_dataset, make_trainer, record_batches, seen_hint_ratio  # noqa: F401 (re-exported)

# 8 problems, one step of 8 groups (G = 4): groups 1-4 and 6 are hard, and leave the ladder at
#   need 0.25 -> rung 0.25 (groups 1, 6), 0.5 -> 0.5 (group 2), 0.75 -> 0.75 (group 3), 5.0 never -> keeps 0.75 (4).
NEEDS = [0.0, 0.25, 0.5, 0.75, 5.0, 0.0, 0.25, 0.0]
FINAL_RATIO = [0.0, 0.25, 0.5, 0.75, 0.75, 0.0, 0.25, 0.0]
ENGINE = dict(use_vllm=True, vllm_mode="colocate",
              # On CPU this fraction of RAM must be free when the engine starts (the KV cache itself is sized by
              # VLLM_CPU_KVCACHE_SPACE): TRL's 0.3 of a shared 24 GB machine may not be.
              vllm_gpu_memory_utilization=0.1)


STARTED_TRAINERS = []  # trainers with a colocated engine, stopped after each test (conftest)


def engine_trainer(model_dir, output_dir, needs=NEEDS, **overrides):
    """A GHPOTrainer generating with a colocated CPU vLLM engine, one step of all the problems by default."""
    options = {**ENGINE, "per_device_train_batch_size": 4 * len(needs), "max_steps": 1, **overrides}
    trainer = make_trainer(model_dir, output_dir, make_dataset(needs), **options)
    if trainer.vllm_mode == "colocate":
        STARTED_TRAINERS.append(trainer)
    return trainer


def record_engine_calls(trainer) -> list[dict]:
    """Wrap TRL's `VLLMGeneration.generate` to keep, per call, the prompt ids it got and what the engine returned."""
    calls, generate = [], trainer.vllm_generation.generate

    def recording(prompts, images, num_generations, profiler=None):
        prompt_ids, completion_ids, logprobs, token_ids = generate(prompts, images, num_generations, profiler)
        calls.append({"prompts": [list(p) for p in prompts], "completion_ids": [list(c) for c in completion_ids],
                      "logprobs": [[lp[0] for lp in seq] for seq in logprobs], "step": trainer.state.global_step})
        return prompt_ids, completion_ids, logprobs, token_ids

    trainer.vllm_generation.generate = recording
    return calls


def batch_rows(trainer, batch) -> list[dict]:
    """Per row of a batch (padding removed): prompt and completion ids, the engine's sampling log-probs and the
    trainer's own ("old") log-probs of the same tokens."""
    rows = []
    for i in range(len(batch["prompt_ids"])):
        keep = batch["completion_mask"][i].bool()
        rows.append({"prompt_ids": batch["prompt_ids"][i][batch["prompt_mask"][i].bool()].tolist(),
                     "completion_ids": batch["completion_ids"][i][keep].tolist(),
                     "sampling_logps": batch["sampling_per_token_logps"][i][keep],
                     "old_logps": batch["old_per_token_logps"][i][keep]})
    return rows


def groups_and_ratios(trainer, call) -> list[tuple[int, float]]:
    """(problem, hint ratio) of each group of G identical prompts in one engine call; fails on a split group."""
    G, tokenizer, seen = trainer.num_generations, trainer.processing_class, []
    for start in range(0, len(call["prompts"]), G):
        group = call["prompts"][start : start + G]
        assert all(p == group[0] for p in group), "an engine call split a group"
        problem = int(tokenizer.decode(group[0]).split("Problem ")[1].split(":")[0])
        seen.append((problem, hint_ratio_of(trainer, group[0], solution_of(problem))))
    return seen


def solution_of(problem: int) -> str:
    return (f"Step one of problem {problem}. " * 10)[:100]  # make_dataset's solutions


def hint_ratio_of(trainer, prompt_ids: list[int], solution: str) -> float:
    """The hint ratio a tokenized prompt carries (0.0: none); the hint ends where the chat turn does."""
    text = trainer.processing_class.decode(prompt_ids).split("<|im_end|>\n<|im_start|>assistant")[0]
    return round(seen_hint_ratio(text, solution), 2) if PAPER_HINT_LEAD_IN in text else 0.0


def fixed_sequence(tokenizer) -> tuple[list[int], int]:
    """A prompt and a completion the tests score on both sides: (token ids, prompt length)."""
    prompt = tokenizer("What is 3 + 4?")["input_ids"]
    completion = tokenizer(" Add the numbers: 3 + 4 = 7. The answer is \\boxed{7}.")["input_ids"]
    return prompt + completion, len(prompt)


def policy_logprobs(model, sequence: list[int], prompt_length: int) -> torch.Tensor:
    """(completion_len,) the policy's log-probs of the completion tokens of `sequence`, in float32."""
    with torch.no_grad():
        logits = model(torch.tensor([sequence])).logits[0].float()  # (L, V)
    logps = logits.log_softmax(-1)
    return torch.stack([logps[i - 1, sequence[i]] for i in range(prompt_length, len(sequence))])


def colocated_engine_logprobs(trainer, sequence: list[int], prompt_length: int) -> torch.Tensor:
    """(completion_len,) the colocated engine's log-probs of the same tokens (vLLM's prompt log-probs)."""
    from vllm import SamplingParams

    params = SamplingParams(max_tokens=1, prompt_logprobs=0, temperature=1.0)
    (output,) = trainer.vllm_generation.llm.generate([{"prompt_token_ids": sequence}], params, use_tqdm=False)
    return torch.tensor([output.prompt_logprobs[i][sequence[i]].logprob for i in range(prompt_length, len(sequence))])


def server_logprobs(trainer, sequence: list[int], prompt_length: int) -> torch.Tensor:
    """(completion_len,) the vLLM server's log-probs of the same tokens (TRL's client asks for prompt log-probs)."""
    client = trainer.vllm_generation.vllm_client
    scored = client.get_sequence_logprobs([sequence], [prompt_length], top_logprobs=1)
    return torch.tensor(scored["actual_logprobs"][0]).flatten()
