"""Self-hints: for a problem without a worked solution, hints cut from a solution the model itself once wrote
(`hint_source: self` or `dataset_then_self`), as a mixin of `GHPOTrainer`.

What counts as the model's own solution: a completion of the *bare* question (no hint in its prompt) that the
accuracy reward scored correct. A success on a hinted rung does not count: its text continues a hint the model did
not write, so the continuation alone starts mid-way (its prefix is no opening for the bare question) and hint plus
continuation is partly someone else's text (with `hint_source: self` the hint was itself cut from the stored
solution, so it would add nothing). Per problem the shortest such completion is kept, as `ghpo data solve` keeps
the shortest teacher sample: the least text to cut hints from, the fewest detours passed on.

So a problem climbs the ladder on self-hints only after the model solved it bare once and failed it in a later
visit: they help where problems recur (several epochs, a small pool) and bare successes are rare but not absent.

The store is bounded (the problems stored longest ago go first; a lookup does not count, as each process looks up
only its own rows), updated from every process's batch in the
same order on every process (so all hold the same store), and saved in checkpoints (`SELF_SOLUTIONS_FILE`).

    >>> store = OwnSolutions(max_size=2)
    >>> store.offer("q1", "long answer 4"), store.offer("q1", "4"), store.offer("q1", "44 again")
    (True, True, False)
    >>> store.get("q1"), store.get("q2")
    ('4', '')
"""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path

import torch
from accelerate.utils import gather_object

from .memory import problem_key

SELF_SOLUTIONS_FILE = "ghpo_self_solutions.json"


class OwnSolutions:
    """problem key -> the shortest correct bare completion the model wrote for it; at most `max_size` problems
    (the one stored longest ago is dropped first)."""

    def __init__(self, max_size: int = 20_000):
        self.max_size = max_size
        self._texts: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._texts)

    def get(self, key: str) -> str:
        """The stored solution ('' for none)."""
        return self._texts.get(key, "")

    def would_take(self, key: str, text: str) -> bool:
        """Whether `offer` would store `text`: a problem not held yet, or a shorter solution than the one held."""
        return bool(text) and (key not in self._texts or len(text) < len(self._texts[key]))

    def offer(self, key: str, text: str) -> bool:
        """Store `text` for `key` if `would_take`; returns whether it did."""
        if not self.would_take(key, text):
            return False
        self._texts[key] = text
        self._texts.move_to_end(key)
        while len(self._texts) > self.max_size:
            self._texts.popitem(last=False)
        return True

    def state_dict(self) -> dict:
        return {"max_size": self.max_size, "texts": [[key, text] for key, text in self._texts.items()]}

    def load_state_dict(self, state: dict) -> None:
        self.max_size = state["max_size"]
        self._texts = OrderedDict((key, text) for key, text in state["texts"])


def completion_text(completion) -> str:
    """A completion's text: the string itself, or the content of a conversational completion's messages."""
    if isinstance(completion, str):
        return completion
    return "".join(message["content"] for message in completion if isinstance(message.get("content"), str))


def shortest_correct_per_group(texts: list[str], accuracy: torch.Tensor, groups: list[int],
                               group_size: int) -> dict[int, str]:
    """{group: its shortest completion scored > 0} for each of `groups` that has one.

    >>> shortest_correct_per_group(["a b", "a", "xyz", "no"], torch.tensor([1., 1., 0., 0.]), [0, 1], 2)
    {0: 'a'}
    """
    best = {}
    for group in groups:
        right = [texts[row] for row in range(group * group_size, (group + 1) * group_size)
                 if accuracy[row] > 0 and texts[row]]
        if right:
            best[group] = min(right, key=len)
    return best


class SelfHints:
    """Mixin: the hint source (`hint_source`) and the store of the model's own solutions."""

    def _init_self_hints(self) -> None:
        uses_store = self.args.uses_hints and self.args.hint_source != "dataset"
        self._own_solutions = OwnSolutions(self.args.self_hint_store_size) if uses_store else None

    def _dataset_solution(self, row: dict) -> str:
        if self.args.hint_source == "self":
            return ""
        solution = row.get(self.args.solution_column)
        return solution if isinstance(solution, str) else ""

    def _solution(self, row: dict) -> str:
        """The text hints are cut from for this row: the dataset's worked solution (`hint_source` dataset or
        dataset_then_self), else the model's own stored solution (self or dataset_then_self), else ''."""
        solution = self._dataset_solution(row)
        if solution or self._own_solutions is None:
            return solution
        return self._own_solutions.get(problem_key(row["prompt"]))

    def _is_self_hinted(self, row: dict) -> bool:
        """True when this row's hints would come from the store."""
        if self._own_solutions is None or self._dataset_solution(row):
            return False
        return bool(self._own_solutions.get(problem_key(row["prompt"])))

    def _remember_own_solutions(self, prompts: list, completions: list, accuracy: torch.Tensor,
                                bare_groups: list[int]) -> None:
        """Offer each bare group's shortest correct completion to the store, merged over all processes (a
        collective: every process calls it, and applies the same offers in the same order)."""
        if self._own_solutions is None:
            return
        group_size = self.num_generations
        texts = [completion_text(completion) for completion in completions]
        best = shortest_correct_per_group(texts, accuracy, bare_groups, group_size)
        offers = [(key, text) for group, text in best.items()
                  if self._own_solutions.would_take(key := problem_key(prompts[group * group_size]), text)]
        for key, text in (item for part in gather_object([offers]) for item in part):
            self._own_solutions.offer(key, text)

    def _self_hinted_groups(self, rows: list[dict], groups: list[int]) -> set[int]:
        """The `groups` whose hints come from the store."""
        return {group for group in groups if self._is_self_hinted(rows[group * self.num_generations])}

    def _count_self_hints(self, record, rows: list[dict], climbed: set[int], final_rung: dict[int, int]) -> None:
        """ghpo/self_* counts: groups that climbed on self-hints, those of them solved, and every group whose kept
        rows carry a self-hint (hint-first groups included)."""
        if self._own_solutions is None:
            return
        record.self_hints = True
        record.self_climbed = len(climbed)
        record.self_rescued = len(climbed & record.solved_groups)
        record.self_hinted = len(self._self_hinted_groups(rows, list(final_rung)))
        record.self_stored = len(self._own_solutions)

    def _save_self_solutions(self, folder: Path) -> None:
        if self._own_solutions is not None:
            (folder / SELF_SOLUTIONS_FILE).write_text(json.dumps(self._own_solutions.state_dict()))

    def _load_self_solutions(self, checkpoint) -> None:
        if self._own_solutions is not None and checkpoint and (Path(checkpoint) / SELF_SOLUTIONS_FILE).is_file():
            self._own_solutions.load_state_dict(json.loads((Path(checkpoint) / SELF_SOLUTIONS_FILE).read_text()))
