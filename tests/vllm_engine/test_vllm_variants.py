"""The variants beyond the paper on a real colocated CPU vLLM engine: hints placed in the response reach the engine
as token ids after the generation prompt, and zero-variance refills go through it in whole groups."""

from __future__ import annotations

import pytest
import torch

from engine_probe import batch_rows, engine_trainer, record_batches, record_engine_calls, solution_of
from ghpo.config import PAPER_HINT_LEAD_IN
from ghpo.testing import MIXED

pytestmark = pytest.mark.vllm


def test_response_hints_and_refills_go_through_the_engine(engine_model_dir, tmp_path):
    # Group 0 is never solved: it climbs the three rungs, hint in the response, and stays flat, so it is refilled
    # (from the mixed problems, which have reward variance); groups 1-3 are mixed and kept.
    needs = [5.0, MIXED, MIXED, MIXED] + [MIXED] * 12
    trainer = engine_trainer(engine_model_dir, tmp_path, needs=needs, per_device_train_batch_size=16,
                             hint_placement="response", hint_unit="word", zero_variance_resampling=True)
    calls, batches = record_engine_calls(trainer), record_batches(trainer)
    trainer.train()
    tokenizer = trainer.processing_class
    assert [len(call["prompts"]) for call in calls] == [16, 4, 4, 4, 4]  # first, three rungs, one refill
    solution = solution_of(0)
    for call, ratio in zip(calls[1:4], (0.25, 0.5, 0.75), strict=True):
        text = tokenizer.decode(call["prompts"][0])
        assert PAPER_HINT_LEAD_IN.strip() not in text  # no lead-in
        question, answer = text.split("<|im_start|>assistant\n")
        assert "Problem 0:" in question
        words = solution.split()
        assert answer.split() == words[: round(ratio * len(words))]  # the engine continues the hint
    refill = tokenizer.decode(calls[4]["prompts"][0])
    assert "Problem 0:" not in refill and refill.endswith("<|im_start|>assistant\n")  # a fresh problem, bare
    record = trainer._last_ladder_record
    assert record.flat_before == 1 and record.refilled == 1
    sampled = {(tuple(p), tuple(c)): lp for call in calls
               for p, c, lp in zip(call["prompts"], call["completion_ids"], call["logprobs"], strict=True)}
    for row in batch_rows(trainer, batches[0]):  # every trained row is one engine output, refills included
        engine_logps = sampled[(tuple(row["prompt_ids"]), tuple(row["completion_ids"]))]
        assert torch.allclose(row["sampling_logps"], torch.tensor(engine_logps), atol=1e-6)
