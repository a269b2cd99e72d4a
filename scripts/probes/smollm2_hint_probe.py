"""Question: why did a 50 % hint not help SmolLM2-135M on MATH Level 1 - is it where the hint goes?

Command (repo root):  ghpo fetch-smollm2 && .venv/bin/python scripts/probes/smollm2_hint_probe.py [--part tf|sample]
    [--variants a,b]     (results.jsonl and samples_*.jsonl in runs/probes/smollm2_hint, or $PROBE_OUT)
Result (16 MATH Level-1 problems x G = 4, 160 new tokens, temperature 0.7; 2 busy shared cores, 2026-12-02, 6-16 min
per variant): no. Bare 3 / 64 right; a 50 % hint (word cut) after the paper's lead-in 2 / 64; after a short
lead-in 0 / 64; the same hint opening the assistant's answer 3 / 64 (though it finished twice as often, 45 vs 23
of 64). At temperature 1 bare was 0 / 64 (docs/real-model.md). A lab notebook tool, not project code.
"""
import argparse, json, os, re, sys, time
os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch
torch.set_num_threads(1)
from transformers import AutoModelForCausalLM, AutoTokenizer
from ghpo.config import PAPER_HINT_LEAD_IN
from ghpo.hints import hint_prefix, cut_points
from ghpo.rewards import accuracy_reward

MODEL = os.path.expanduser("~/.cache/ghpo/SmolLM2-135M-Instruct")
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/data/train/math_test_minus_math500.jsonl")
OUT = os.environ.get("PROBE_OUT", "runs/probes/smollm2_hint")  # results.jsonl and samples_*.jsonl go here
SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."
SHORT_LEAD_IN = "\n\nThe solution starts like this:\n"

def load_problems(n, level="Level 1"):
    rows = [json.loads(l) for l in open(DATA)]
    return [r for r in rows if r["level"] == level][:n]

def math_safe_prefix(solution, ratio):
    """Word cut, moved back to the last word end outside $...$."""
    points = cut_points(solution, "word")
    k = round(ratio * (len(points) - 1))
    while k > 0 and len(re.findall(r"(?<!\\)\$", solution[: points[k]])) % 2:
        k -= 1
    return solution[: points[k]]

def render(tok, question, hint, where, lead_in, system=SYSTEM):
    msgs = ([{"role": "system", "content": system}] if system else [])
    user = question + (lead_in + hint if where == "user" and hint is not None else "")
    msgs.append({"role": "user", "content": user})
    text = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
    if where == "assistant" and hint:
        text += hint
    return text

VARIANTS = {  # name -> (ratio, unit, where, lead_in, system)
    "bare": (0.0, "word", None, "", SYSTEM),
    "bare_default_system": (0.0, "word", None, "", None),
    "u_paper_char50": (0.5, "char", "user", PAPER_HINT_LEAD_IN, SYSTEM),
    "u_paper_word50": (0.5, "word", "user", PAPER_HINT_LEAD_IN, SYSTEM),
    "u_paper_mathsafe50": (0.5, "mathsafe", "user", PAPER_HINT_LEAD_IN, SYSTEM),
    "u_short_word50": (0.5, "word", "user", SHORT_LEAD_IN, SYSTEM),
    "a_prefill_word50": (0.5, "word", "assistant", "", SYSTEM),
    "u_paper_word75": (0.75, "word", "user", PAPER_HINT_LEAD_IN, SYSTEM),
    "a_prefill_word75": (0.75, "word", "assistant", "", SYSTEM),
}

def make_hint(solution, ratio, unit):
    if ratio == 0:
        return None
    return math_safe_prefix(solution, ratio) if unit == "mathsafe" else hint_prefix(solution, ratio, unit)

@torch.no_grad()
def teacher_forced(model, tok, problems):
    """Per format: NLL/token of the solution's rest R, of the whole solution S, and P(first token) of R vs S."""
    out = {}
    for name, (ratio, unit, where, lead_in, system) in VARIANTS.items():
        if ratio == 0 and name != "bare":
            continue
        rows = []
        for p in problems:
            sol = p["solution"].strip()
            hint = make_hint(sol, ratio if ratio else 0.5, unit if unit != "mathsafe" else "word") if True else None
            rest = sol[len(hint):]
            prompt = render(tok, p["problem"], hint if ratio else None, where if ratio else None, lead_in, system)
            def nll(prefix, target):
                a = tok(prefix, add_special_tokens=False)["input_ids"]
                b = tok(prefix + target, add_special_tokens=False)["input_ids"]
                ids = torch.tensor([b])
                logits = model(ids).logits[0, :-1].float()
                lp = torch.log_softmax(logits, -1).gather(1, ids[0, 1:, None])[:, 0]
                tgt = lp[len(a) - 1:]
                return -tgt.mean().item(), -tgt[0].item()
            r_nll, r_first = nll(prompt, rest)
            if where == "assistant" and ratio:
                s_nll, s_first = float("nan"), float("nan")
            else:
                s_nll, s_first = nll(prompt, sol)
            rows.append((r_nll, s_nll, r_first, s_first))
        m = lambda i: sum(r[i] for r in rows) / len(rows)
        out[name] = dict(rest_nll=m(0), full_nll=m(1), rest_first_nll=m(2), full_first_nll=m(3))
        print(f"{name:22} NLL/token rest {m(0):.3f}  whole {m(1):.3f} | first-token NLL rest {m(2):.2f} whole {m(3):.2f}",
              flush=True)
    return out

@torch.no_grad()
def sample(model, tok, problems, name, group, max_new, seed=0, temperature=1.0, top_p=1.0):
    ratio, unit, where, lead_in, system = VARIANTS[name]
    prompts, hints = [], []
    for p in problems:
        hint = make_hint(p["solution"].strip(), ratio, unit)
        hints.append(hint)
        prompts.append(render(tok, p["problem"], hint, where, lead_in, system))
    tok.padding_side = "left"
    batch = tok([x for x in prompts for _ in range(group)], return_tensors="pt", padding=True, add_special_tokens=False)
    torch.manual_seed(seed)
    start = time.time()
    gen = model.generate(**batch, do_sample=True, temperature=temperature, top_p=top_p, top_k=0, max_new_tokens=max_new,
                         pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
    seconds = time.time() - start
    comp = gen[:, batch["input_ids"].shape[1]:]
    texts, finished, ntok = [], 0, 0
    for row in comp:
        ids = row.tolist()
        if tok.eos_token_id in ids:
            ids = ids[: ids.index(tok.eos_token_id)]
            finished += 1
        ntok += len(ids)
        texts.append(tok.decode(ids, skip_special_tokens=True))
    answers = [p["answer_lastboxed"] for p in problems for _ in range(group)]
    right = accuracy_reward(texts, answer=answers)
    groups_ok = sum(any(right[g * group:(g + 1) * group]) for g in range(len(problems)))
    restart = 0
    if where == "user":
        restart = sum(t.strip()[:15] == h.strip()[:15] for t, h in
                      zip(texts, [h for h in hints for _ in range(group)]) if h)
    res = dict(variant=name, temperature=temperature, top_p=top_p, problems=len(problems), G=group, max_new_tokens=max_new, right=int(sum(right)),
               completions=len(texts), groups_with_success=groups_ok, finished=finished,
               boxed=sum("\\boxed" in t for t in texts), restarts_by_copying=restart,
               mean_tokens=ntok / len(texts), minutes=seconds / 60, tokens_per_s=ntok / seconds)
    print(json.dumps(res), flush=True)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, f"samples_{name}_t{temperature}.jsonl"), "w") as f:
        for i, t in enumerate(texts):
            f.write(json.dumps(dict(problem=i // group, prompt_end=prompts[i // group][-300:], completion=t,
                                    right=right[i], gold=answers[i])) + "\n")
    return res

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--part", default="tf")
    ap.add_argument("--variants", default="bare")
    ap.add_argument("--problems", type=int, default=16)
    ap.add_argument("--group", type=int, default=4)
    ap.add_argument("--max_new", type=int, default=192)
    ap.add_argument("--level", default="Level 1")
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--top_p", type=float, default=1.0)
    a = ap.parse_args()
    tok = AutoTokenizer.from_pretrained(MODEL)
    model = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32).eval()
    problems = load_problems(a.problems, a.level)
    if a.part == "tf":
        teacher_forced(model, tok, problems)
    else:
        for name in a.variants.split(","):
            r = sample(model, tok, problems, name, a.group, a.max_new, temperature=a.temperature, top_p=a.top_p)
            with open(os.path.join(OUT, "results.jsonl"), "a") as f:
                f.write(json.dumps(r) + "\n")
