"""`GHPOConfig`: TRL's `GRPOConfig` plus the GHPO fields, each declared once, with its help text, and checked."""

from __future__ import annotations

from dataclasses import dataclass, field

from trl import GRPOConfig

# The paper's lead-in, verbatim (including its leading "\n "), placed between the question and the hint.
PAPER_HINT_LEAD_IN = (
    "\n The following text is the beginning part of the answer, which you can refer to for solving the problem:\n"
)
HINT_UNITS = ("char", "word", "line")
RL_TYPES = ("ghpo", "grpo")
LADDER_MODES = ("sequential", "parallel", "speculative")
HINT_PLACEMENTS = ("prompt", "response")
CURRICULUM_MISSING = ("error", "first", "last")
HINT_SOURCES = ("dataset", "self", "dataset_then_self")


@dataclass
class GHPOConfig(GRPOConfig):
    """Configuration for `GHPOTrainer`: every `GRPOConfig` option, plus the hint ladder's.

    With `rl_type="grpo"` or an empty `hint_ratios`, training is exactly TRL's GRPO.
    """

    rl_type: str = field(
        default="ghpo",
        metadata={
            "help": "'ghpo': regenerate all-fail groups with growing hints; 'grpo': plain GRPO, no hints.",
            "choices": list(RL_TYPES),
        },
    )
    hint_ratios: list[float] = field(
        default_factory=lambda: [0.25, 0.5, 0.75],
        metadata={
            "help": "The hint ladder: fractions of the worked solution revealed, tried in order within one step. "
            "Strictly increasing, each in (0, 1]. A group leaves the ladder at the first ratio where any "
            "completion is correct. Empty = no hints (plain GRPO)."
        },
    )
    start_hint_step: int = field(
        default=0,
        metadata={"help": "Optimizer steps of plain GRPO before hints are allowed (the paper suggests 0 or 20)."},
    )
    hint_unit: str = field(
        default="char",
        metadata={
            "help": "How a solution prefix is cut: 'char' (paper-faithful: the first round(ratio * len) characters), "
            "'word' (never cuts a word) or 'line' (never cuts a line).",
            "choices": list(HINT_UNITS),
        },
    )
    hint_max_tokens: int | None = field(
        default=None,
        metadata={"help": "Cap on a hint's length in tokens (None: no cap). Applied after the ratio cut."},
    )
    max_prompt_length: int | None = field(
        default=None,
        metadata={
            "help": "Token budget of a hinted prompt. When a hinted prompt would exceed it, the hint is shortened; "
            "the system prompt and the question are never cut. None: no budget."
        },
    )
    hint_lead_in: str = field(
        default=PAPER_HINT_LEAD_IN,
        metadata={"help": "Text placed between the question and the hint (default: the paper's sentence)."},
    )
    solution_column: str = field(
        default="solution",
        metadata={"help": "GHPOTrainer from Python: the train dataset's column holding the worked solution that hints "
                  "are cut from. `ghpo train` prepares its rows with this column always named 'solution': name your "
                  "data's column with --dataset_solution_column instead (ghpo train stops on any other value)."},
    )
    hint_source: str = field(
        default="dataset",
        metadata={
            "help": "What hints are cut from. 'dataset' (the paper): the row's worked solution; rows without one "
            "train as plain GRPO. 'self': the model's own earlier solution of the problem — the shortest completion "
            "of the bare question the accuracy reward scored correct (hinted successes do not count), remembered "
            "per problem and saved in checkpoints; dataset solutions are ignored. 'dataset_then_self': the dataset's "
            "solution where the row has one, else the model's own. For answer-only data (docs/training.md).",
            "choices": list(HINT_SOURCES),
        },
    )
    self_hint_store_size: int = field(
        default=20_000,
        metadata={"help": "hint_source self / dataset_then_self: problems whose own solution is remembered (the one "
                  "stored longest ago is dropped first)."},
    )
    hint_truncated_groups: bool = field(
        default=True,
        metadata={
            "help": "Hint hard groups whose completions all hit max_completion_length (paper: yes). Such groups fail "
            "for lack of length budget, which a hint cannot fix; false skips them (counted in "
            "ghpo/hard_truncated_frac either way)."
        },
    )
    ladder_mode: str = field(
        default="sequential",
        metadata={
            "help": "'sequential' (paper): one generation round per rung for the groups still failing. 'parallel': "
            "all rungs of all hard groups in one round, each group keeping its lowest solved rung — fewer sequential "
            "rounds for more generated tokens. 'speculative': every group is sampled at every rung inside the first "
            "generation call and keeps its lowest solved rung (bare first): the paper's exact training signal in one "
            "round, for (1 + rungs) x the rows; with difficulty_memory only groups the memory knows as hard are "
            "speculated (the others climb in one parallel round if they fail).",
            "choices": list(LADDER_MODES),
        },
    )
    difficulty_memory: bool = field(
        default=False,
        metadata={"help": "Remember, per problem, the rung where its ladder last stopped; when it fails again, start "
                  "there instead of at the bottom. Forgotten once solved without a hint. Saved in checkpoints."},
    )
    difficulty_memory_size: int = field(
        default=100_000, metadata={"help": "Problems the difficulty memory holds (least recently seen dropped)."}
    )
    hint_first_generation: bool = field(
        default=False,
        metadata={"help": "With difficulty_memory: sample a problem known to need a hint with that hint already in "
                  "the first generation (no no-hint round), except every hint_retest_every-th visit."},
    )
    hint_retest_every: int = field(
        default=4, metadata={"help": "hint_first_generation: every N-th visit of a remembered problem is sampled "
                             "without a hint, so hints can fade as the model improves."}
    )
    hint_placement: str = field(
        default="prompt",
        metadata={
            "help": "'prompt' (paper): the hint follows the question, after hint_lead_in. 'response': the hint opens "
            "the assistant's answer (no lead-in) and the model continues it, so the continuation sees exactly the "
            "context of an unhinted rollout; the hint's tokens stay out of the loss either way.",
            "choices": list(HINT_PLACEMENTS),
        },
    )
    hint_imitation_coef: float = field(
        default=0.0,
        metadata={
            "help": "λ >= 0: for every group the ladder solved with a hint, add λ x the mean token NLL of that hint "
            "written as the answer to the bare question (UFT-style imitation of the revealed prefix; logged as "
            "ghpo/imitation_loss). One extra forward pass over those rows per micro-batch. 0: off (the paper)."
        },
    )
    zero_variance_resampling: bool = field(
        default=False,
        metadata={
            "help": "DAPO-style dynamic sampling: after the hint ladder (if any), a group whose accuracy rewards are "
            "all equal (all fail or all pass) is replaced by a fresh problem drawn from the train dataset, sampled "
            "bare, kept if its rewards differ; up to resample_max_rounds rounds. Groups still flat after the last "
            "round stay in the batch (zero advantage; ghpo/resample_unfilled_frac). Works with rl_type grpo or ghpo."
        },
    )
    resample_max_rounds: int = field(
        default=2,
        metadata={"help": "zero_variance_resampling: extra generation rounds per step at most (each regenerates "
                  "every slot still flat, on every process)."},
    )
    curriculum_column: str | None = field(
        default=None,
        metadata={
            "help": "Curriculum learning (the paper's GRPO-CL baseline): order the training problems by this "
            "difficulty column, easiest first, in stages, shuffled within a stage by the seed (shuffle_dataset). "
            "Any column of numbers or of text holding one: MATH's 'level' ('Level 3', 3 and '3' all read 3). "
            "None: TRL's shuffled order. Works with rl_type grpo and ghpo; ghpo data check prints the stages."
        },
    )
    curriculum_stages: int = field(
        default=0,
        metadata={"help": "curriculum_column: 0 = one stage per distinct difficulty; N = the difficulties, in "
                  "order, grouped into N stages of about equal row counts."},
    )
    curriculum_missing: str = field(
        default="error",
        metadata={"help": "curriculum_column: rows without a readable difficulty stop the run naming them "
                  "('error'), or form a stage of their own trained 'first' or 'last'.",
                  "choices": list(CURRICULUM_MISSING)},
    )
    fixed_hint_ratio: float | None = field(
        default=None,
        metadata={
            "help": "The paper's GRPO-CL-H baseline: every prompt carries a hint of this fraction of its worked "
            "solution (e.g. 0.5), no ladder (needs rl_type grpo). Combine with curriculum_column for GRPO-CL-H. "
            "Rows without a solution stay bare. None: off."
        },
    )
    accuracy_reward_name: str = field(
        default="accuracy_reward",
        metadata={
            "help": "Name (`__name__`) of the reward function whose raw value decides whether a group is hard: a group "
            "is hard when all its completions score <= 0 on it. Never the weighted total, so a format reward "
            "cannot hide a hard group."
        },
    )

    def __post_init__(self):
        super().__post_init__()
        if self.rl_type not in RL_TYPES:
            raise ValueError(f"rl_type must be one of {RL_TYPES}, got {self.rl_type!r}.")
        if self.hint_unit not in HINT_UNITS:
            raise ValueError(f"hint_unit must be one of {HINT_UNITS}, got {self.hint_unit!r}.")
        if isinstance(self.hint_ratios, (int, float)):
            self.hint_ratios = [self.hint_ratios]
        self.hint_ratios = [float(r) for r in self.hint_ratios]
        for ratio in self.hint_ratios:
            if not 0.0 < ratio <= 1.0:
                raise ValueError(f"every hint ratio must be in (0, 1]; got {ratio} in hint_ratios={self.hint_ratios}.")
        if any(b <= a for a, b in zip(self.hint_ratios, self.hint_ratios[1:])):
            raise ValueError(f"hint_ratios must be strictly increasing, got {self.hint_ratios}.")
        if self.ladder_mode not in LADDER_MODES:
            raise ValueError(f"ladder_mode must be one of {LADDER_MODES}, got {self.ladder_mode!r}.")
        if self.hint_first_generation and self.ladder_mode == "speculative":
            raise ValueError("hint_first_generation and ladder_mode='speculative' both decide the first generation's "
                             "hints: use one of them.")
        if self.hint_first_generation and not self.difficulty_memory:
            raise ValueError("hint_first_generation needs difficulty_memory: true (it reuses the remembered rung).")
        if self.hint_retest_every < 1 or self.difficulty_memory_size < 1:
            raise ValueError("hint_retest_every and difficulty_memory_size must be >= 1.")
        if self.hint_placement not in HINT_PLACEMENTS:
            raise ValueError(f"hint_placement must be one of {HINT_PLACEMENTS}, got {self.hint_placement!r}.")
        if self.hint_placement == "response" and self.hint_first_generation:
            raise ValueError("hint_placement='response' does not support hint_first_generation yet (its hints go "
                             "into the first generation's prompts, which TRL tokenizes): use one of them.")
        if not self.hint_imitation_coef >= 0:
            raise ValueError(f"hint_imitation_coef must be >= 0, got {self.hint_imitation_coef}.")
        if self.resample_max_rounds < 1:
            raise ValueError(f"resample_max_rounds must be >= 1, got {self.resample_max_rounds}.")
        if self.hint_source not in HINT_SOURCES:
            raise ValueError(f"hint_source must be one of {HINT_SOURCES}, got {self.hint_source!r}.")
        if self.hint_source != "dataset" and self.rl_type != "ghpo":
            raise ValueError(f"hint_source={self.hint_source!r} feeds the hint ladder: it needs rl_type ghpo "
                             "(the fixed-hint baseline cuts its hints from the dataset's solutions).")
        if self.self_hint_store_size < 1:
            raise ValueError(f"self_hint_store_size must be >= 1, got {self.self_hint_store_size}.")
        if self.start_hint_step < 0:
            raise ValueError(f"start_hint_step must be >= 0, got {self.start_hint_step}.")
        self._check_baselines()
        for name in ("hint_max_tokens", "max_prompt_length"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be a positive number of tokens or None, got {value}.")

    def _check_baselines(self) -> None:
        if self.curriculum_missing not in CURRICULUM_MISSING:
            raise ValueError(f"curriculum_missing must be one of {CURRICULUM_MISSING}, got {self.curriculum_missing!r}.")
        if self.curriculum_stages < 0:
            raise ValueError(f"curriculum_stages must be >= 0, got {self.curriculum_stages}.")
        if self.fixed_hint_ratio is None:
            return
        if not 0.0 < self.fixed_hint_ratio <= 1.0:
            raise ValueError(f"fixed_hint_ratio must be in (0, 1], got {self.fixed_hint_ratio}.")
        if self.rl_type != "grpo":
            raise ValueError("fixed_hint_ratio is the fixed-hint baseline (GRPO-CL-H): set rl_type: grpo; the hint "
                             "ladder (rl_type ghpo) chooses its hints itself.")
        conflicts = [name for name, on in (("zero_variance_resampling", self.zero_variance_resampling),
                                           ("hint_placement='response'", self.hint_placement == "response"),
                                           ("hint_imitation_coef", self.hint_imitation_coef > 0)) if on]
        if conflicts:
            raise ValueError(f"fixed_hint_ratio does not combine with {', '.join(conflicts)} (its refills, response "
                             "hints and imitation targets are the ladder's).")

    @property
    def uses_hints(self) -> bool:
        """True when the hint ladder can run at all."""
        return self.rl_type == "ghpo" and len(self.hint_ratios) > 0
