r"""Is a completion's final answer equal to the gold? math-verify, with a timeout that works
in any thread.

math-verify's own timeout uses `signal.alarm`, which only works in the main thread; TRL and
evaluation code score answers from other threads, and a few answer pairs (a gold
`10^{10^{10}}` against a factorial tower) make sympy run for ever. So math-verify runs with
its timeouts off, in a few long-lived worker processes; a worker that takes longer than
`timeout_s` on one item is killed and replaced, and that item scores 0.0.

    checker = AnswerChecker(timeout_s=5.0)
    checker.check_many([("\\frac{1}{2}", "so \\boxed{0.5}")])   # -> [1.0]
    checker.timeouts_total                                     # items killed so far
    get_default_checker()                                      # the one accuracy_reward uses

Workers are fresh interpreters started with `subprocess` (never `fork`: the parent holds
torch's threads). Unlike multiprocessing's "spawn" they do not re-import the caller's
`__main__`, so a training script without an `if __name__ == "__main__"` guard is safe and
workers load only math-verify, not torch. Linux/macOS only (the worker's pipe is passed as an
inherited file descriptor). Keep `ghpo/__init__.py` light: every worker imports it.
"""

from __future__ import annotations

import atexit
import collections
import functools
import logging
import os
import re
import subprocess
import sys
import threading
import time
import weakref
from multiprocessing.connection import Connection, Pipe, wait
from pathlib import Path

from ghpo.answers import (
    checkable_answer,
    extract_tagged,
    final_answer,
    last_boxed,
    last_boxes_listed,
    normalize_answer,
    stated_form,
)

_READY = "ready"
_WORKER_START_TIMEOUT_S = 60.0
_GOLD_CACHE_SIZE = 4096
# Scored by each worker before it says "ready": sympy and latex2sympy build much of their machinery on first use
# (~0.2 s per process, measured), which would otherwise land on the first training step's items and could even
# eat into their timeout. Fractions, roots, percent, decimals, intervals, text: the shapes of real answers.
_WARM_UP_ITEMS = (
    (r"\frac{1}{2}", r"so $\boxed{0.5}$"),
    (r"2\sqrt{3}", r"\boxed{\sqrt{12}}"),
    (r"25\%", r"\boxed{33.33}"),
    (r"(1, 2]", r"\boxed{[1, 2)}"),
    (r"x^2 + 1", r"\boxed{1 + x^{2}}"),
    (r"\text{east}", r"the answer is \boxed{\text{east}}"),
)
# `$`, `\(`, `\[` or a box: the text already tells math-verify where its maths is.
_MATH_DELIMITERS = ("$", "\\(", "\\[", "\\boxed", "\\fbox")


def is_exact_match(gold: str, completion: str) -> bool:
    r"""The fast path: the completion's stated answer is the gold, up to `normalize_answer`.

    >>> is_exact_match("\\frac{1}{2}", "thus $\\boxed{\\dfrac{1}{2}}$.")
    True
    >>> is_exact_match("\\frac{1}{2}", "\\boxed{0.5}")   # equal, but math-verify must say so
    False
    """
    stated = final_answer(completion)
    return stated is not None and normalize_answer(stated) == normalize_answer(gold) != ""


_INTEGER_TUPLE = re.compile(r"([(\[]?)(-?\d+(?:,-?\d+)*)([)\]]?)")
_SINGLE_STATED = re.compile(r"\$(?:\\boxed\{(.*)\}|([^$]*))\$", re.DOTALL)


def _integer_tuple(text: str) -> tuple[str, list[int]] | None:
    """(brackets, sorted values) when `text` is an integer or a bracketed tuple/interval of integers, else None.
    A bracketless list is None: `1,000` may be a thousand."""
    match = _INTEGER_TUPLE.fullmatch(normalize_answer(text))
    if match is None or bool(match[1]) != bool(match[3]):
        return None
    values = sorted(int(value) for value in match[2].split(","))
    return None if len(values) > 1 and not match[1] else (match[1] + match[3], values)


def is_certainly_wrong(gold: str, parse_text: str) -> bool:
    r"""The second fast path: `parse_text` (`text_to_parse`'s output) states one answer, and it and the gold
    are integers, or integer tuples/intervals in the same brackets, of the same length, whose values differ
    even as multisets, so no reading (ordered, unordered, interval) makes them equal. math-verify spends
    30-100 ms proving `(4,1)` is not `(4,2)`; this takes microseconds. Anything else: False (ask math-verify).

    >>> is_certainly_wrong("(-2,-6)", r"$\boxed{(-2, -7)}$"), is_certainly_wrong("28", r"$\boxed{29}$")
    (True, True)
    >>> is_certainly_wrong("(1,2)", r"$\boxed{(2,1)}$")   # same values: math-verify decides
    False
    >>> is_certainly_wrong("1,000", r"$\boxed{1000}$"), is_certainly_wrong("[1,2)", r"$\boxed{(1,3)}$")
    (False, False)
    """
    match = _SINGLE_STATED.fullmatch(parse_text)
    stated = match and _integer_tuple(match[1] if match[1] is not None else match[2])
    if not stated:  # most completions end here, before the gold is looked at
        return False
    expected = _integer_tuple(checkable_answer(gold))  # `\$36`, `2{,}500`, `5\text{ cm}`: integers too
    return (expected is not None and stated[0] == expected[0]
            and len(stated[1]) == len(expected[1]) and stated[1] != expected[1])


def _wrap_in_dollars(text: str) -> str:
    r"""`text` as inline maths unless it already marks its maths: `$x$` -> `$x$`, `x` -> `$x$`, `\$5` -> `$\$5$`
    (an escaped `\$` is a dollar sign, not maths)."""
    if any(delimiter in text.replace("\\$", "") for delimiter in _MATH_DELIMITERS):
        return text
    return f"${text}$"


# Two plain words in a row, outside any command: `The number of ways is 7` is prose, `x^2 + 1` is not.
_PROSE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}\s+[A-Za-z]{2,}(?![A-Za-z])")
_TEXT_COMMAND = re.compile(r"\\(?:text|textbf|textrm|mbox|mathrm|operatorname)\s*\{[^{}]*\}")


def _answer_block(block: str, gold: str | None) -> str:
    r"""An `<answer>` block for math-verify: maths as inline maths, a sentence as it is (math-verify finds the
    number in `There are 7 ways.`; read as maths it would be a product of letters)."""
    block = block.rstrip(".")
    if any(delimiter in block.replace("\\$", "") for delimiter in _MATH_DELIMITERS):
        return block
    if _PROSE.search(_TEXT_COMMAND.sub(" ", block)):
        return block
    return f"${stated_form(block, gold)}$"


def text_to_parse(completion: str, gold: str | None = None) -> str:
    r"""The part of a completion that math-verify should read, its stated answer in `checkable_answer`'s form
    (units, `\$`, thousands separators off); `gold`, when given, decides the forms that depend on it.

    The `<answer>` block when there is one: its content is the answer by contract, so a
    bare `0.5` is wrapped as `$0.5$` (math-verify only reads LaTeX between delimiters), and a
    sentence is left as it is, for math-verify to find its number in.
    Otherwise, with exactly one box, just that box: math-verify would pick it out of the whole
    text anyway (a box wins), so reading 40 characters instead of 2,000 gives the same answer
    faster, and completions that differ only in their reasoning become one item to verify
    (800 labelled completions: 115 distinct non-exact items -> 43, same scores). With several
    boxes, the last n when the gold lists n answers (`last_boxes_listed`), else the whole
    completion (math-verify may read them all, e.g. two roots); with none, the whole completion.

    Applied to its own output (with the same gold) it returns it unchanged, so it can be applied twice.

    >>> text_to_parse("<think>3 or 7?</think><answer> 0.5. </answer>")
    '$0.5$'
    >>> text_to_parse("Adding up, the total is $\\boxed{7 \\text{ apples}}$.")
    '$\\boxed{7}$'
    >>> text_to_parse("x = \\boxed{2} or x = \\boxed{-2}")   # several boxes: all of it
    'x = \\boxed{2} or x = \\boxed{-2}'
    >>> text_to_parse("one root is $\\boxed{3}$; after a check, the other is $\\boxed{-4}$", gold="3, -4")
    '$\\boxed{3, -4}$'
    >>> text_to_parse("2+2 gives \\boxed{4")   # truncated inside its box: no answer, not a lenient '4'
    ''
    """
    tagged = extract_tagged(completion, "answer")
    if tagged is not None:
        return _answer_block(tagged, gold)
    boxes = completion.count("\\boxed") + completion.count("\\fbox")
    if boxes == 0:
        return completion
    boxed = last_boxed(completion)
    if boxed is None:
        return ""  # cut off inside its final box (e.g. at the length limit): it stated no final answer
    if boxes == 1:
        return f"$\\boxed{{{stated_form(boxed, gold)}}}$"
    listed = None if gold is None else last_boxes_listed(completion, gold)
    return completion if listed is None else f"$\\boxed{{{listed}}}$"


@functools.lru_cache(maxsize=1)
def _prediction_config() -> tuple:
    """Built once: math-verify caches its compiled regexes per config object, so a fresh config per call costs
    ~4 ms of regex building per item (6.4 -> 2.6 ms per item measured on the labelled completions)."""
    from math_verify import ExprExtractionConfig, LatexExtractionConfig

    # A box wins over "final answer is ...": the box is the format we ask models for.
    return (LatexExtractionConfig(boxed_match_priority=0), ExprExtractionConfig())


def _is_plainly_an_interval(value) -> bool:
    """An interval or a union of them that cannot be read as a point: `[2, 5]`, `(2, \\infty)`, `(-oo, 0) U (1, 2)`,
    but not `(2, 5)`, which is also the point (2, 5) (math-verify parses it as the open interval)."""
    from sympy import Interval, Union

    if isinstance(value, Union):
        return all(isinstance(part, Interval) for part in value.args)
    return isinstance(value, Interval) and not (
        value.left_open and value.right_open and value.start.is_finite and value.end.is_finite)


def _solved_inequalities(answer):
    r"""The set of numbers an answer in solved inequalities names: `2 \le x \le 5` -> [2, 5], `x < 2 or x > 3`
    (parsed as a set of relations) -> (-oo, 2) U (3, oo); None for anything else. Solved: one side the
    variable, the other a number, one variable throughout; `x^2 \ge 4` restates a question, it answers nothing."""
    from sympy import Eq, FiniteSet, Symbol, Union
    from sympy.core.relational import Relational

    relations = list(answer.args) if isinstance(answer, FiniteSet) else [answer]
    atoms = [atom for relation in relations for atom in getattr(relation, "_unsorted_args", [relation])]
    if not atoms or not all(isinstance(atom, Relational) and not isinstance(atom, Eq) for atom in atoms):
        return None
    variables = {side for atom in atoms for side in (atom.lhs, atom.rhs) if isinstance(side, Symbol)}
    solved = all(sum(isinstance(side, Symbol) for side in (atom.lhs, atom.rhs)) == 1
                 and not (atom.lhs.free_symbols & atom.rhs.free_symbols) and len(atom.free_symbols) == 1
                 for atom in atoms)
    return Union(*(relation.as_set() for relation in relations)) if solved and len(variables) == 1 else None


def score_answer(gold: str, completion: str, gold_cache: dict | None = None) -> float:
    """1.0 when math-verify finds the completion's final answer equal to `gold`, else 0.0.

    Both sides are read in `checkable_answer`'s form (`text_to_parse`). Against an interval gold,
    an answer in solved inequalities is also compared as the set it names (`2 \\le x \\le 5` is
    `[2, 5]`); the equality is math-verify's either way. Runs math-verify with no timeout: call
    it inside a worker (see AnswerChecker), not in the trainer. `gold_cache` maps gold strings
    to parsed golds, so a group of completions sharing one gold parses it once per worker.
    """
    from math_verify import parse, verify

    gold_cache = {} if gold_cache is None else gold_cache
    try:
        if gold not in gold_cache:
            if len(gold_cache) >= _GOLD_CACHE_SIZE:
                gold_cache.clear()
            gold_cache[gold] = parse(_wrap_in_dollars(checkable_answer(gold)), parsing_timeout=None)
        parsed_gold = gold_cache[gold]
        if not parsed_gold:
            return 0.0
        parsed = parse(text_to_parse(completion, gold), _prediction_config(), parsing_timeout=None)
        if parsed and _is_plainly_an_interval(parsed_gold[0]):
            parsed += [answer_set for answer_set in [_solved_inequalities(parsed[0])] if answer_set is not None]
        return 1.0 if verify(parsed_gold, parsed, timeout_seconds=None) else 0.0
    except Exception:  # model output is untrusted: anything that breaks the grader is wrong
        return 0.0


def _exit_when_orphaned() -> None:
    """In a worker: exit once the parent is gone, even if stuck in a long sympy call."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _serve(fd: int) -> None:
    """Worker main loop: receive (gold, completion), send back a score; stop on EOF."""
    connection = Connection(fd)
    _exit_when_orphaned()
    # Timeouts are off on purpose; math-verify warns about that once per process.
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    gold_cache: dict = {}
    for gold, completion in _WARM_UP_ITEMS:  # before "ready": start-up must not eat into an item's timeout_s
        score_answer(gold, completion, gold_cache=gold_cache)
    gold_cache.clear()
    connection.send(_READY)
    while True:
        try:
            item = connection.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        connection.send(score_answer(*item, gold_cache=gold_cache))


class _Worker:
    """One worker process, the pipe to it, and the item it is working on."""

    def __init__(self) -> None:
        parent_end, child_end = Pipe()
        env = dict(os.environ)
        # The child must import this very `ghpo`, installed or not.
        source_root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [source_root, env.get("PYTHONPATH")]))
        command = "import sys; from ghpo.checker import _serve; _serve(int(sys.argv[1]))"
        self.process = subprocess.Popen(
            [sys.executable, "-c", command, str(child_end.fileno())],
            pass_fds=[child_end.fileno()],
            stdin=subprocess.DEVNULL,
            env=env,
        )
        child_end.close()
        self.connection = parent_end
        self.started_at = time.monotonic()
        self.ready = False
        self.item: tuple[str, str] | None = None  # being scored now
        self.item_started_at = 0.0

    def send(self, item: tuple[str, str]) -> None:
        self.connection.send(item)
        self.item = item
        self.item_started_at = time.monotonic()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self.connection.close()


class AnswerChecker:
    """Scores (gold, completion) pairs with math-verify in `num_workers` processes, killing
    any item that runs longer than `timeout_s` (it scores 0.0 and counts in
    `timeouts_total`; its worker is replaced, the other items are still scored).

    Items that pass `is_exact_match` score 1.0, and items `is_certainly_wrong` 0.0, without
    touching the workers. Workers start on first use (or `start()`) and live until `close()`
    or interpreter exit. Thread-safe: calls from several threads take turns.
    """

    def __init__(self, timeout_s: float = 5.0, num_workers: int | None = None) -> None:
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
        if num_workers is not None and num_workers < 1:
            raise ValueError(f"num_workers must be >= 1, got {num_workers}")
        self.timeout_s = timeout_s
        self.num_workers = num_workers or min(4, os.cpu_count() or 1)
        self.timeouts_total = 0  # items killed for running past timeout_s, ever
        self.crashes_total = 0  # items whose worker died (e.g. out of memory), ever
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        _LIVE_CHECKERS.add(self)

    def start(self) -> None:
        """Start the workers now, without waiting for them: they import and warm up math-verify (~1 s) while the
        caller goes on (e.g. loads the model), instead of during the first check."""
        with self._lock:
            while len(self._workers) < self.num_workers:
                self._workers.append(_Worker())

    def check_many(self, items: list[tuple[str, str]]) -> list[float]:
        r"""One score per (gold, completion) pair: 1.0 equal, 0.0 not (or timed out).

        A gold or completion that is not a non-empty string scores 0.0. Completions that state
        their answer the same way (`text_to_parse`) are verified once per gold.

        >>> with AnswerChecker(num_workers=1) as checker:             # doctest: +SKIP
        ...     checker.check_many([("\\frac12", "\\boxed{0.5}"), ("2", "\\boxed{3}")])
        [1.0, 0.0]
        """
        scores = [0.0] * len(items)
        indices_by_item: dict[tuple[str, str], list[int]] = collections.defaultdict(list)
        for index, (gold, completion) in enumerate(items):
            if not (isinstance(gold, str) and gold.strip() and isinstance(completion, str)):
                continue
            if is_exact_match(gold, completion):
                scores[index] = 1.0
                continue
            parse_text = text_to_parse(completion, gold)
            if parse_text and not is_certainly_wrong(gold, parse_text):  # "": cut off inside its box, no answer
                indices_by_item[(gold, parse_text)].append(index)
        if indices_by_item:
            with self._lock:
                verified = self._verify(list(indices_by_item))
            for item, indices in indices_by_item.items():
                for index in indices:
                    scores[index] = verified[item]
        return scores

    def close(self) -> None:
        """Stop the workers (after a check running in another thread); the next check
        starts new ones."""
        with self._lock:
            self._kill_workers()

    def _kill_workers(self) -> None:
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.kill()

    def __enter__(self) -> AnswerChecker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _verify(self, items: list[tuple[str, str]]) -> dict[tuple[str, str], float]:
        """Hand items to idle workers, collect scores, kill the late; until all are scored."""
        pending = collections.deque(items)
        scores: dict[tuple[str, str], float] = {}
        try:
            while pending or any(worker.item is not None for worker in self._workers):
                while len(self._workers) < self.num_workers:
                    self._workers.append(_Worker())
                for worker in list(self._workers):
                    if worker.ready and worker.item is None and pending:
                        self._hand_over(worker, pending)
                connections = [worker.connection for worker in self._workers]
                readable = wait(connections, timeout=self._seconds_to_next_deadline())
                for worker in list(self._workers):
                    if worker.connection in readable:
                        self._receive(worker, scores)
                    else:
                        self._stop_if_late(worker, scores)
        finally:
            # Interrupted (KeyboardInterrupt, start-up failure): a busy worker would later
            # answer an item nobody asks about any more, so it goes.
            for worker in [worker for worker in self._workers if worker.item is not None]:
                self._drop(worker)
        return scores

    def _hand_over(self, worker: _Worker, pending: collections.deque) -> None:
        item = pending.popleft()
        try:
            worker.send(item)
        except OSError:  # it died while idle: replace it; the item waits for the next one
            pending.appendleft(item)
            self._drop(worker)

    def _receive(self, worker: _Worker, scores: dict) -> None:
        try:
            message = worker.connection.recv()
        except (EOFError, OSError):  # the worker died
            self._drop(worker)
            if not worker.ready:
                raise RuntimeError("an answer-checker worker died while starting; see its stderr")
            if worker.item is not None:
                scores[worker.item] = 0.0
                self.crashes_total += 1
            return
        if message == _READY:
            worker.ready = True
        else:
            scores[worker.item] = float(message)
            worker.item = None

    def _stop_if_late(self, worker: _Worker, scores: dict) -> None:
        now = time.monotonic()
        if worker.item is not None and now - worker.item_started_at > self.timeout_s:
            scores[worker.item] = 0.0
            self.timeouts_total += 1
            self._drop(worker)
        elif not worker.ready and now - worker.started_at > _WORKER_START_TIMEOUT_S:
            self._drop(worker)
            raise RuntimeError(f"an answer-checker worker did not start in {_WORKER_START_TIMEOUT_S:.0f} s")

    def _drop(self, worker: _Worker) -> None:
        worker.kill()
        self._workers.remove(worker)

    def _seconds_to_next_deadline(self) -> float:
        """Seconds until the earliest busy item or starting worker runs out of time."""
        now = time.monotonic()
        deadlines = [
            worker.item_started_at + self.timeout_s
            if worker.ready
            else worker.started_at + _WORKER_START_TIMEOUT_S
            for worker in self._workers
            if worker.item is not None or not worker.ready
        ]
        # Nothing to wait for (a dead worker was just dropped): go round again at once.
        return max(0.0, min(deadlines, default=now) - now) + 0.01


_LIVE_CHECKERS: weakref.WeakSet[AnswerChecker] = weakref.WeakSet()
_default_checker: AnswerChecker | None = None
_default_checker_lock = threading.Lock()


@atexit.register
def _close_all_checkers() -> None:
    # No lock: a daemon thread may be stopped mid-check, holding it for ever.
    for checker in list(_LIVE_CHECKERS):
        checker._kill_workers()


def get_default_checker() -> AnswerChecker:
    """The checker `accuracy_reward` uses, created on first call (workers start on first use).

    Read `get_default_checker().timeouts_total` to log `ghpo/reward_timeouts`.
    """
    global _default_checker
    with _default_checker_lock:
        if _default_checker is None:
            _default_checker = AnswerChecker()
        return _default_checker


def set_default_checker(checker: AnswerChecker) -> None:
    """Make `checker` the default (e.g. another `timeout_s`); the old one is closed."""
    global _default_checker
    with _default_checker_lock:
        previous, _default_checker = _default_checker, checker
    if previous is not None and previous is not checker:
        previous.close()
