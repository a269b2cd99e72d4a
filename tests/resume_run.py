"""Run by tests/test_resilience.py: a 6-step GHPO run that saves every 2 steps, optionally SIGKILLed after step 3,
optionally resumed from the last checkpoint in its output dir (as `ghpo train` does). Writes the log history.
Usage: python resume_run.py MODEL_DIR OUTPUT_DIR {full|crash|resume} [CONFIG_JSON]
CONFIG_JSON overrides GHPOConfig fields (e.g. a curriculum); the run also writes the questions of each step. Under a
multi-process launch (e.g. DeepSpeed) each rank writes its own files (log_history.rankN.json).
"""

import json
import os
import signal
import sys

from transformers import TrainerCallback
from transformers.trainer_utils import get_last_checkpoint

from ghpo.testing import accuracy_reward, length_reward, make_dataset, make_trainer, record_batches

NEEDS = [0.0, 0.25, 0.75, 5.0] * 3
LEVELS = [3, 1, 2] * 4  # a difficulty per problem, for the curriculum variant


class KillAfterStep(TrainerCallback):
    def __init__(self, step):
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            os.kill(os.getpid(), signal.SIGKILL)  # a pre-empted node: no cleanup, no final save


def main(model_dir: str, output_dir: str, mode: str, overrides: str = "{}") -> None:
    dataset = make_dataset(NEEDS).add_column("level", LEVELS)
    trainer = make_trainer(model_dir, output_dir, dataset, reward_funcs=[accuracy_reward, length_reward],
                           per_device_train_batch_size=8, max_steps=6, save_strategy="steps", save_steps=2,
                           learning_rate=5e-3, beta=0.05, shuffle_dataset=True, **json.loads(overrides))
    batches = record_batches(trainer)
    if mode == "crash":
        trainer.add_callback(KillAfterStep(3))
    checkpoint = get_last_checkpoint(output_dir) if mode == "resume" else None
    trainer.train(resume_from_checkpoint=checkpoint)
    rank = trainer.accelerator.process_index  # under a multi-process launch, each rank writes its own files
    suffix = f".rank{rank}" if trainer.accelerator.num_processes > 1 else ""
    with open(os.path.join(output_dir, f"log_history{suffix}.json"), "w") as file:
        json.dump(trainer.state.log_history, file)
    questions = [[row["prompt"][-1]["content"] for row in batch["rows"]] for batch in batches]
    with open(os.path.join(output_dir, f"questions{suffix}.json"), "w") as file:  # the steps this process ran
        json.dump(questions, file)
    trainer.close()  # a clean exit under torchrun / accelerate (see GHPOTrainer.close)


if __name__ == "__main__":
    main(*sys.argv[1:5])
