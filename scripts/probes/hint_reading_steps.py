"""Question: which steps does a base get right after the ladder's top (75 %) hint on levels 7-8, sampled?

Command:  .venv/bin/python scripts/probes/hint_reading_steps.py src/ghpo/demo/bases/<key> runs/threads1-cache/<key>
Result (Intel Xeon, 2 cores, 2026-12-04): the shipped base 91 % of its other steps right, the base warmed up on
1 thread 16 % (docs/demo.md, *The warm-up from scratch*). A lab notebook tool, not project code.
"""

import sys
from transformers import AutoModelForCausalLM, AutoTokenizer, set_seed
from ghpo.demo.evaluate import level_completions, step_accuracy, hinted_steps, accuracy_of
from ghpo.demo.settings import parse_settings
from ghpo.demo.world import eval_rows
s = parse_settings([])
rows = eval_rows([7, 8], 100, s.task_seed, s.carry_share, borrows=s.borrows)
for folder in sys.argv[1:]:
    m, t = AutoModelForCausalLM.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)
    set_seed(0)
    pairs = level_completions(m, t, rows, 0.75, s.hint_unit, s.hint_lead_in, sample=True)
    first = [hinted_steps(row["solution"], 0.75, s.hint_unit) for row, _ in pairs]
    print(folder, accuracy_of(pairs, s.check), step_accuracy(pairs, first, borrows=True))
