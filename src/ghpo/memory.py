"""Difficulty memory: per problem, the ladder rung where it last stopped, so a problem that fails again starts there.

Bounded (least recently used problems are forgotten first), deterministic, and serialisable into checkpoints.
Keys are stable across processes and runs (a hash of the question), so every process can share one memory.

    >>> memory = DifficultyMemory(max_size=2)
    >>> memory.record("q1", 2); memory.start_rung("q1")
    2
    >>> memory.record("q1", None); memory.start_rung("q1")      # solved without a hint: forgotten
    0
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass


def problem_key(prompt) -> str:
    """A short stable id for a prompt (text, or the messages of a conversation)."""
    text = prompt if isinstance(prompt, str) else "\x1e".join(f"{m['role']}\x1f{m['content']}" for m in prompt)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


@dataclass
class DifficultyMemory:
    """problem key -> (rung index where the ladder last stopped, visits since remembered)."""

    max_size: int = 100_000

    def __post_init__(self):
        self._rungs: OrderedDict[str, list[int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._rungs)

    def start_rung(self, key: str) -> int:
        """Rung to start the ladder at for a hard group of this problem (0 when unknown)."""
        entry = self._rungs.get(key)
        return entry[0] if entry else 0

    def knows(self, key: str) -> bool:
        return key in self._rungs

    def visit(self, key: str) -> int:
        """Count a visit of a remembered problem; returns the number of visits since it was remembered."""
        entry = self._rungs[key]
        entry[1] += 1
        self._rungs.move_to_end(key)
        return entry[1]

    def record(self, key: str, rung: int | None) -> None:
        """The ladder stopped at `rung` for this problem; None: solved without a hint, so forget it."""
        if rung is None:
            self._rungs.pop(key, None)
            return
        visits = self._rungs[key][1] if key in self._rungs else 0
        self._rungs[key] = [rung, visits]
        self._rungs.move_to_end(key)
        while len(self._rungs) > self.max_size:
            self._rungs.popitem(last=False)

    def state_dict(self) -> dict:
        return {"max_size": self.max_size, "rungs": [[key, *entry] for key, entry in self._rungs.items()]}

    def load_state_dict(self, state: dict) -> None:
        self.max_size = state["max_size"]
        self._rungs = OrderedDict((key, [rung, visits]) for key, rung, visits in state["rungs"])
