"""Run by tests/test_multiprocess.py under `torchrun --nproc_per_node 2` (CPU, gloo) or as one process.

Trains 2 steps on 8 problems whose scripted difficulty is uneven across ranks: in step 1 rank 0 holds two hard
groups and rank 1 none; in step 2 the opposite. Each rank writes {question: final hint ratio} for its groups.
Usage: python multiprocess_ladder.py MODEL_DIR OUTPUT_DIR PER_DEVICE_BATCH [SEED [CONFIG_JSON]]
A "levels" entry adds a difficulty column (for a curriculum). A "lora_rank" entry trains a LoRA adapter of that rank instead of the full model. With SEED, the 16 problems get random difficulties (a property test: any assignment must complete); CONFIG_JSON
overrides GHPOConfig fields (e.g. the parallel ladder, or difficulty memory over several shuffled epochs); its
"needs" entry, if any, replaces the problems' difficulties. A "save_and_answer" entry saves the trained model to
OUTPUT_DIR/final (the engine's own final save) and writes the in-memory model's greedy answers to ANSWER_PROMPTS;
"sync_at_end" pushes the final weights to a vLLM engine as well. A "bare_until" list makes the problems answer-only,
scored by `self_hint_reward` (for `hint_source: self`); each rank then writes its store of the model's own solutions.
Runs unchanged under `accelerate launch` (DeepSpeed): each rank also writes the engine it got.
"""

import gc
import json
import os
import random
import sys

import torch

from ghpo.testing import make_dataset, make_trainer, record_batches, self_hint_reward, tiny_lora_config
from ghpo.engines import engine_of
from ghpo.trainer import GHPOTrainer

NEEDS = [0.75, 0.25, 0.0, 0.0, 0.0, 0.0, 5.0, 0.5]
RANDOM_NEEDS = [0.0, 0.0, 0.25, 0.5, 0.75, 5.0]


def needs_for(seed: int | None) -> list[float]:
    if seed is None:
        return NEEDS
    rng = random.Random(seed)
    return [rng.choice(RANDOM_NEEDS) for _ in range(16)]


def main(model_dir: str, output_dir: str, per_device_batch: int, seed: int | None = None,
         overrides: dict | None = None) -> None:
    decisions = {}
    original_log_ladder = GHPOTrainer._log_ladder

    def recording_log_ladder(self, record):
        questions = [self._ladder_rows[g * self.num_generations]["prompt"][-1]["content"]
                     for g in range(record.num_groups)]
        decisions.update(zip(questions, record.final_ratio_per_group))
        original_log_ladder(self, record)

    GHPOTrainer._log_ladder = recording_log_ladder
    overrides = dict(overrides or {})
    needs = overrides.pop("needs", None) or needs_for(seed)  # a test's own difficulties (e.g. resampling)
    lora = tiny_lora_config(overrides.pop("lora_rank")) if "lora_rank" in overrides else None
    save_and_answer = overrides.pop("save_and_answer", False)
    sync_at_end = overrides.pop("sync_at_end", False)  # vLLM: push the final weights too (every process gathers)
    levels = overrides.pop("levels", None)  # a difficulty column, for a curriculum
    bare_until = overrides.pop("bare_until", None)  # self-hints: each problem solved bare before this step only
    config = {"max_steps": len(needs) * 4 // (per_device_batch * trainer_processes()), "beta": 0.05, **(overrides or {})}
    dataset = make_dataset(needs) if levels is None else make_dataset(needs).add_column("level", levels)
    reward_funcs = None
    if bare_until is not None:  # answer-only problems: hints come from the model's own bare successes
        dataset = dataset.remove_columns("solution").add_column("bare_until", bare_until)
        dataset = dataset.add_column("solution", [""] * len(bare_until))
        reward_funcs = [self_hint_reward]
        config["accuracy_reward_name"] = "self_hint_reward"
    trainer = make_trainer(model_dir, output_dir, dataset, per_device_train_batch_size=per_device_batch,
                           peft_config=lora, reward_funcs=reward_funcs, **config)
    batches = record_batches(trainer)
    trainer.train()
    rank = trainer.accelerator.process_index
    answers = save_and_answer_greedily(trainer, f"{output_dir}/final") if save_and_answer else None
    if sync_at_end:
        trainer.vllm_generation.sync_weights()
    syncs = getattr(trainer.vllm_generation, "syncs", None) if trainer.use_vllm else None
    engine = engine_of(trainer.accelerator)  # what accelerate really set up: the tests assert it
    trainer.close()  # a clean exit: see GHPOTrainer.close
    # What close() relies on: no DDP wrapper (whose Reducer would free the process group holding the GIL) is left.
    ddp_alive = sum(isinstance(obj, torch.nn.parallel.DistributedDataParallel) for obj in gc.get_objects())
    with open(f"{output_dir}/decisions.rank{rank}.json", "w") as file:
        json.dump({"decisions": decisions, "logs": trainer.state.log_history, "ddp_alive": ddp_alive,
                   "engine": engine, "answers": answers, "vllm_syncs": syncs,
                   "own_solutions": trainer._own_solutions.state_dict() if trainer._own_solutions else None,
                   "questions": [[row["prompt"][-1]["content"] for row in batch["rows"]] for batch in batches]}, file)


ANSWER_PROMPTS = ["What is 3 + 4?", "Solve for x: 2x = 10.", "Problem 5: what is 5 + 5?"]


def save_and_answer_greedily(trainer, folder: str) -> list[list[int]]:
    """Save the model as `ghpo train` does (every process takes part: ZeRO-3 gathers its shards), then the
    in-memory model's greedy completions of ANSWER_PROMPTS (token ids; under ZeRO-3 the parameters are gathered)."""
    from trl.models import unwrap_model_for_generation

    trainer.save_model(folder)
    tokenizer = trainer.processing_class
    answers = []
    with unwrap_model_for_generation(trainer.model_wrapped, trainer.accelerator) as model:
        for prompt in ANSWER_PROMPTS:
            ids = tokenizer(prompt, return_tensors="pt")["input_ids"].to(trainer.accelerator.device)
            output = model.generate(ids, do_sample=False, max_new_tokens=8, pad_token_id=tokenizer.pad_token_id)
            answers.append(output[0, ids.shape[1]:].tolist())
    return answers


def trainer_processes() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else None,
         json.loads(sys.argv[5]) if len(sys.argv) > 5 else None)
