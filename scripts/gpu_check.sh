#!/usr/bin/env bash
# GPU figures in one run of at most 9 minutes: benchmarks/step_cost.py --gpu, `ghpo demo --device cuda --bf16`, and
# the one-GPU LoRA recipe (recipes/qwen2.5-math-1.5b/ghpo_lora_1gpu.yaml) for 2 steps on a random model of
# Qwen2.5-Math-1.5B's shape built there (scripts/shaped_model.py; no network), every output in one folder.
#
#   bash scripts/gpu_wheels.sh                      # first, where pip works: the missing packages as wheels in .whl/
#   bash scripts/gpu_check.sh OUT_DIR               # on the GPU machine (no network): install .whl/, run both
#   bash scripts/gpu_check.sh --dry-run OUT_DIR     # anywhere: print the commands, check every flag against --help
#   bash scripts/gpu_check.sh --device cpu OUT_DIR  # anywhere: the same two commands at a tiny size, on the CPU
#
# OUT_DIR (default: $OUT, else gpu_check_out) receives at most 10 small files: env.txt, step_cost.json,
# step_cost.log, demo_report.md, demo_metrics.json, demo.log, shaped_model.log, lora_1gpu.log, summary.txt. Large outputs (the demo's models) stay
# in $WORK (default /tmp/ghpo_gpu_check). Each command has its own time limit: 3.5 + 2 + 3 = 8.5 minutes at most.
set -uo pipefail
cd "$(dirname "$0")/.."

DRY_RUN=0
DEVICE=cuda
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1; shift ;;
    --device) DEVICE="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
OUT_DIR="${1:-${OUT:-gpu_check_out}}"
WORK="${WORK:-/tmp/ghpo_gpu_check}"
# an active venv (CI's .venv-ci), else .venv here, else the GPU image's python3
PYTHON="${PYTHON:-$( if [ -n "${VIRTUAL_ENV:-}" ]; then echo "$VIRTUAL_ENV/bin/python"; elif [ -x .venv/bin/python ]; then echo .venv/bin/python; else echo python3; fi )}"
mkdir -p "$OUT_DIR" "$WORK"
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1

# --- the two measurements, sized for one H200 within the time limits below -------------------------------------
if [ "$DEVICE" = cuda ]; then
  # A ~60 M-parameter model built there; 16 problems x G = 4 in batches of 32: 2 steps an epoch, 3 epochs, 5 variants
  # x 3 hard fractions = 90 steps. Unmeasured on a GPU so far: the limit stops it, its log keeps what it printed.
  STEP_COST=(benchmarks/step_cost.py --gpu --hidden 768 --layers 8 --batch 32 --problems 16 --group_size 4
             --completion_tokens 96 --hard 0,0.5,1.0 --repeats 1)
  DEMO=(-m ghpo.cli demo --device cuda --bf16 --quick --steps 12)
  # vLLM is not carried to the GPU machine (too big): the recipe runs with transformers generation, completions cut
  # to 256 tokens (a random model never stops), so its peak memory is a lower bound of the recipe's.
  SHAPE=qwen2.5-math-1.5b; LORA_FLAGS=(--use_vllm false --max_completion_length 256 --max_steps 2)
  STEP_COST_LIMIT=210; DEMO_LIMIT=120; LORA_LIMIT=180
elif [ "$DEVICE" = cpu ]; then
  STEP_COST=(benchmarks/step_cost.py --hidden 32 --layers 2 --batch 8 --problems 4 --group_size 4
             --completion_tokens 8 --hard 0.5 --repeats 1)
  DEMO=(-m ghpo.cli demo --device cpu --quick --steps 1 --warmup_examples 200 --eval_per_level 4 --rl_per_level 8
        --curve_every 0 --threads 1)
  SHAPE=tiny; LORA_FLAGS=(--use_vllm false --max_completion_length 8 --max_steps 1 --use_cpu true --bf16 false
                          --per_device_train_batch_size 8 --gradient_accumulation_steps 1 --num_generations 4)
  STEP_COST_LIMIT=600; DEMO_LIMIT=600; LORA_LIMIT=600
else
  echo "error: --device must be cuda or cpu, got $DEVICE" >&2; exit 2
fi
STEP_COST+=(--output "$OUT_DIR/step_cost.json")
DEMO+=(--output_dir "$WORK/demo" --cache_dir "$WORK/cache")
SHAPED_MODEL=(scripts/shaped_model.py "$SHAPE" "$WORK/$SHAPE-shape")
LORA=(-m ghpo.cli train --config recipes/qwen2.5-math-1.5b/ghpo_lora_1gpu.yaml --model_name_or_path "$WORK/$SHAPE-shape"
      --dataset_name builtin:arithmetic --output_dir "$WORK/lora_1gpu" --save_strategy no "${LORA_FLAGS[@]}")

# --- packages: the carried wheels, when there are any -------------------------------------------------------------
shopt -s nullglob
WHEELS=(.whl/*.whl)
if [ "$DRY_RUN" = 0 ] && [ ${#WHEELS[@]} -gt 0 ]; then
  "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
    "${WHEELS[@]}" || { echo "error: installing .whl/ failed" >&2; exit 3; }
  export PYTHONPATH="/tmp/site:$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
else
  export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
fi

# Every --flag of a command must appear in that command's --help: catches a renamed option before GPU time is spent.
check_flags() {
  local help
  help="$("$PYTHON" "$@" --help 2>&1)" || { echo "error: $* --help failed:"; echo "$help" | tail -5; return 1; }
  local flag missing=0
  for flag in "$@"; do
    case "$flag" in
      --*) grep -qE -- "(^|[[:space:],])$flag([[:space:]=,]|$)" <<<"$help" \
             || { echo "error: $flag is not an option of: $*"; missing=1; } ;;
    esac
  done
  return $missing
}

if [ "$DRY_RUN" = 1 ]; then
  echo "would run (limit ${STEP_COST_LIMIT}s): $PYTHON ${STEP_COST[*]}"
  echo "would run (limit ${DEMO_LIMIT}s): $PYTHON ${DEMO[*]}"
  echo "would run (limit ${LORA_LIMIT}s, with the model build): $PYTHON ${SHAPED_MODEL[*]}; $PYTHON ${LORA[*]}"
  echo "wheels to install: ${#WHEELS[@]} in .whl/"
  # ghpo train's options come from a recipe plus flags: its own parser checks them (bf16 off: no GPU here)
  check_train() { "$PYTHON" -W ignore -c 'import sys; from ghpo.train import check_options, parse_args
check_options(*parse_args(sys.argv[1:]))' "${@:4}" --bf16 false 2>&1 | tail -3; return "${PIPESTATUS[0]}"; }
  check_flags "${STEP_COST[@]}" && check_flags "${DEMO[@]}" && check_train "${LORA[@]}" && echo "flags: ok"
  exit $?
fi

{
  date -u
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  "$PYTHON" - <<'EOF'
import importlib, platform
print("python", platform.python_version())
for name in ("torch", "transformers", "accelerate", "trl", "datasets", "math_verify", "pandas", "pyarrow"):
    try:
        print(name, importlib.import_module(name).__version__)
    except Exception as error:  # report and go on: the commands below say what they need
        print(name, "MISSING:", error)
import torch
print("cuda", torch.cuda.is_available(), torch.cuda.get_device_name() if torch.cuda.is_available() else "")
EOF
} >"$OUT_DIR/env.txt" 2>&1
cat "$OUT_DIR/env.txt"

run_timed() {  # name limit command...: runs it under `timeout`, logs to OUT_DIR/name.log, prints the status
  local name="$1" limit="$2"; shift 2
  local start=$SECONDS
  timeout --signal=INT --kill-after=15 "$limit" "$PYTHON" "$@" >"$OUT_DIR/$name.log" 2>&1
  local status=$?
  echo "$name: exit $status after $((SECONDS - start)) s (limit $limit s)" | tee -a "$OUT_DIR/summary.txt"
  tail -25 "$OUT_DIR/$name.log"
}
: >"$OUT_DIR/summary.txt"
run_timed step_cost "$STEP_COST_LIMIT" "${STEP_COST[@]}"
run_timed demo "$DEMO_LIMIT" "${DEMO[@]}"
start=$SECONDS
run_timed shaped_model "$LORA_LIMIT" "${SHAPED_MODEL[@]}"
run_timed lora_1gpu "$((LORA_LIMIT - (SECONDS - start)))" "${LORA[@]}"  # its log ends with the peak GPU memory
cp "$WORK/demo/report.md" "$OUT_DIR/demo_report.md" 2>/dev/null
cp "$WORK/demo/metrics.json" "$OUT_DIR/demo_metrics.json" 2>/dev/null
ls -la "$OUT_DIR"
