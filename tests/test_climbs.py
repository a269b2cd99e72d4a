"""The speculative ladder keeps the paper's training signal: the rung each group keeps has the sequential ladder's
distribution. (Its exact decisions on the scripted reward are in test_memory.py, next to the other modes'.)

Here the accuracy reward is random: a completion counts as correct with a probability set by the hint ratio its
prompt carries, decided by a hash of the (prompt, completion) text, so the randomness is the tiny model's own
sampling and a completion scored twice scores the same. With p_k per rung and G = 4, a group is solved at rung k
with q_k = 1 - (1 - p_k)^4, and the sequential ladder keeps rung k (bare = -1 here) with probability
q_k * prod_{j<k} (1 - q_j); a group failing everywhere keeps the top rung.
"""

import hashlib

import pytest

from ghpo.testing import make_dataset, make_trainer, seen_hint_ratio

P_CORRECT = {0.0: 0.05, 0.25: 0.15, 0.5: 0.3, 0.75: 0.5}  # per completion, by the hint ratio its prompt carries
GROUP_SIZE, GROUPS_PER_STEP, STEPS = 4, 8, 16
CHI2_DF3_P001 = 16.27  # chi-square critical value, 3 degrees of freedom, p = 0.001


def random_accuracy(prompts, completions, solution, **kwargs):
    scores = []
    for prompt, completion, sol in zip(prompts, completions, solution, strict=True):
        ratio = min(P_CORRECT, key=lambda r: abs(r - seen_hint_ratio(prompt, sol)))
        digest = hashlib.sha256(repr((prompt, completion)).encode()).digest()
        scores.append(1.0 if int.from_bytes(digest[:4], "big") / 2**32 < P_CORRECT[ratio] else 0.0)
    return scores


random_accuracy.__name__ = "accuracy_reward"  # the name GHPO's ladder reads the accuracy from


def expected_kept_rung() -> list[float]:
    """P(kept rung) for bare, 0.25, 0.5, 0.75 (the last includes the groups unsolved at the top)."""
    solved = [1 - (1 - P_CORRECT[r]) ** GROUP_SIZE for r in (0.0, 0.25, 0.5, 0.75)]  # 0.185, 0.478, 0.760, 0.938
    probabilities, still_failing = [], 1.0
    for q in solved[:-1]:
        probabilities.append(still_failing * q)
        still_failing *= 1 - q
    return probabilities + [still_failing]


def kept_rungs(tiny_model_dir, tmp_path, mode: str) -> list[int]:
    """Counts of the kept rung (bare, 0.25, 0.5, 0.75) over STEPS steps of GROUPS_PER_STEP groups."""
    dataset = make_dataset([0.0] * GROUPS_PER_STEP * STEPS)
    trainer = make_trainer(tiny_model_dir, tmp_path / mode, dataset, reward_funcs=[random_accuracy],
                           per_device_train_batch_size=GROUP_SIZE * GROUPS_PER_STEP, num_generations=GROUP_SIZE,
                           max_steps=STEPS, ladder_mode=mode, temperature=1.0)
    counts = [0, 0, 0, 0]
    original = trainer._log_ladder

    def count(record):
        for ratio in record.final_ratio_per_group:
            counts[[0.0, 0.25, 0.5, 0.75].index(ratio)] += 1
        original(record)

    trainer._log_ladder = count
    trainer.train()
    return counts


def chi_square(counts: list[int], probabilities: list[float]) -> float:
    total = sum(counts)
    return sum((c - total * p) ** 2 / (total * p) for c, p in zip(counts, probabilities, strict=True))


def test_expected_distribution_by_hand():
    # q = 0.1855, 0.4780, 0.7599, 0.9375: bare 0.1855; 0.25: 0.8145 * 0.4780 = 0.3893; 0.5: 0.8145 * 0.5220 *
    # 0.7599 = 0.3231; top: 0.8145 * 0.5220 * 0.2401 = 0.1021
    assert expected_kept_rung() == pytest.approx([0.1855, 0.3893, 0.3231, 0.1021], abs=1e-3)


@pytest.mark.parametrize("mode", ["sequential", "speculative"])
def test_kept_rungs_follow_the_sequential_ladders_distribution(tiny_model_dir, tmp_path, mode):
    counts = kept_rungs(tiny_model_dir, tmp_path, mode)
    assert sum(counts) == GROUPS_PER_STEP * STEPS
    statistic = chi_square(counts, expected_kept_rung())
    assert statistic < CHI2_DF3_P001, f"{mode}: kept rungs {counts} vs expected {expected_kept_rung()}"
