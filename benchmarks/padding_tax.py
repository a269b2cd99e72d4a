"""Where does a hinted prompt's extra cost go? Generation, log-prob passes and loss + backward, timed apart.

    python benchmarks/padding_tax.py             # tiny CPU model, ~6 minutes on one core (3 repeats)
    python benchmarks/padding_tax.py --repeats 1 # every cell once (~2 minutes): a quick look, noisier

Hint-first generation costs ~1.2x a GRPO step for ~1.0x the generated tokens: hinted prompts are longer, and TRL
pads every row of a generation batch to its longest prompt, in generation and in every training pass. This script
trains plain GRPO (no ladder: the same work every step) on the same problems three ways — every prompt bare, half
of the groups carrying a 50 % hint in the prompt, all of them carrying it — and times, per step, TRL's generation
call, the log-prob passes outside the loss (old / reference log-probs, when TRL computes them) and the training
step (loss forward + backward), each second booked once. It also prints the share of prompt positions that are
padding.

Seconds are means over steps 3+ (after warm-up); each cell is measured `--repeats` times, the three prompt mixes in a
shuffled order each repeat, side by side in one process. Printed: the median over repeats, and the ratio to the bare
run of the same repeat as its median and range over repeats.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections import defaultdict

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from datasets import Dataset  # noqa: E402

from ghpo.config import PAPER_HINT_LEAD_IN  # noqa: E402
from ghpo.hints import build_hinted_prompt, hint_prefix  # noqa: E402
from ghpo.testing import make_dataset, make_trainer  # noqa: E402
from ghpo.tiny import build_tiny_model  # noqa: E402


def hinted_dataset(num_problems: int, hinted_share: float) -> Dataset:
    """The step_cost problems; the first `hinted_share` of every 4 carry the lead-in and 50 % of the solution."""
    rows = make_dataset([0.0] * num_problems).to_list()
    for index, row in enumerate(rows):
        if (index % 4) < round(4 * hinted_share):
            row["prompt"] = build_hinted_prompt(row["prompt"], hint_prefix(row["solution"], 0.5), PAPER_HINT_LEAD_IN)
    return Dataset.from_list(rows)


class Timers:
    """Wraps four of the trainer's methods and books every second once, per optimizer step.

    TRL generates inside `training_step` (its `_prepare_inputs`), and computes old / reference log-probs inside
    `_generate_and_score_completions`; so the training time is `training_step` minus the scoring nested in it, and a
    log-prob pass counts as "log-prob passes" only when it runs inside scoring (the loss's own pass is training).
    """

    def __init__(self, trainer):
        self.trainer, self.seconds, self.padding = trainer, defaultdict(float), []
        self.in_scoring = False
        self._wrap("_generate_single_turn", "generation")
        self._wrap("_get_per_token_logps_and_entropies", "logps", only_in_scoring=True)
        self._wrap("_generate_and_score_completions", "scoring", scoring=True)
        self._wrap("training_step", "step")

    def _wrap(self, name: str, key: str, only_in_scoring: bool = False, scoring: bool = False) -> None:
        original = getattr(self.trainer, name)

        def timed(*args, **kwargs):
            if only_in_scoring and not self.in_scoring:
                return original(*args, **kwargs)
            self.in_scoring |= scoring
            start = time.perf_counter()
            try:
                output = original(*args, **kwargs)
            finally:
                self.seconds[(self.trainer.state.global_step, key)] += time.perf_counter() - start
                self.in_scoring &= not scoring
            if scoring:  # (B, P) prompt mask: 0 where a prompt is left-padded
                self.padding.append(1 - output["prompt_mask"].float().mean().item())
            return output

        setattr(self.trainer, name, timed)

    def per_step(self, skip: int) -> dict[str, float]:
        """Mean seconds per optimizer step after `skip` warm-up steps, each second in exactly one column."""
        steps = sorted({step for step, _ in self.seconds if step >= skip})
        total = {key: sum(seconds for (step, k), seconds in self.seconds.items() if k == key and step >= skip)
                 / len(steps) for key in ("generation", "logps", "scoring", "step")}
        return {"generation": total["generation"], "logps": total["logps"],
                "other": total["scoring"] - total["generation"] - total["logps"],  # rewards, decoding, padding
                "train": total["step"] - total["scoring"], "total": total["step"]}


def run(model_dir: str, hinted_share: float, args) -> dict:
    with tempfile.TemporaryDirectory() as output:
        trainer = make_trainer(model_dir, output, hinted_dataset(args.problems, hinted_share), rl_type="grpo",
                               per_device_train_batch_size=args.batch, num_generations=4,
                               max_completion_length=args.completion_tokens, max_steps=args.steps,
                               num_iterations=args.num_iterations, temperature=1.0)
        timers = Timers(trainer)
        trainer.train()
    # steps 2+ (a step is counted by the global step at its start; generation runs every num_iterations steps)
    return {**timers.per_step(skip=2), "padding": statistics.median(timers.padding)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("--problems", type=int, default=32)
    parser.add_argument("--batch", type=int, default=16, help="rows per step (groups of G = 4)")
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--completion_tokens", type=int, default=96)
    parser.add_argument("--num_iterations", type=int, default=2, help="2: TRL computes old log-probs too")
    parser.add_argument("--repeats", type=int, default=3, help="measure every prompt mix this many times, in shuffled "
                        "order; print the median and the ratio's range (shared machines are noisy)")
    args = parser.parse_args()
    torch.manual_seed(0)
    shares, order = (0.0, 0.5, 1.0), random.Random(0)
    repeats = []  # one {share: result} per repeat
    with tempfile.TemporaryDirectory() as folder:
        model_dir = build_tiny_model(folder, ["Step one of problem 3. " * 10], vocab_size=300, hidden_size=128,
                                     num_layers=4, num_heads=4)
        for _ in range(args.repeats):
            repeats.append({share: run(model_dir, share, args) for share in order.sample(shares, len(shares))})
    print(f"\nGRPO, {args.batch} rows/step, {args.completion_tokens} completion tokens, num_iterations "
          f"{args.num_iterations}; seconds per optimizer step (mean of steps 3-{args.steps}), median of "
          f"{args.repeats} repeat(s), and the ratio to bare prompts (median; range over repeats)")
    print("| prompts | padding share | generation | old log-probs | rewards etc. | loss + backward | total |")
    print("|---|---|---|---|---|---|---|")
    for share in shares:
        cells = [cell([r[share][key] for r in repeats], [r[0.0][key] for r in repeats])
                 for key in ("generation", "logps", "other", "train", "total")]
        label = {0.0: "all bare", 0.5: "half hinted (50 %)", 1.0: "all hinted (50 %)"}[share]
        padding = statistics.median(r[share]["padding"] for r in repeats)
        print(f"| {label} | {padding:.0%} | " + " | ".join(cells) + " |")


def cell(seconds: list[float], bare: list[float]) -> str:
    """'0.927 s (1.18x; 1.10-1.25)': the median seconds, and the median and range of the per-repeat ratios.

    >>> cell([2.0, 3.0, 2.5], [1.0, 1.0, 1.0]), cell([2.0], [1.0]), cell([0.5], [0.0])
    ('2.500 s (2.50x; 2.00-3.00)', '2.000 s (2.00x)', '0.500 s')
    """
    if min(bare) <= 0:
        return f"{statistics.median(seconds):.3f} s"
    ratios = [value / base for value, base in zip(seconds, bare, strict=True)]
    spread = f"; {min(ratios):.2f}-{max(ratios):.2f}" if len(ratios) > 1 else ""
    return f"{statistics.median(seconds):.3f} s ({statistics.median(ratios):.2f}x{spread})"


if __name__ == "__main__":
    main()
