"""`ghpo data reach`: the pool's bare and hinted pass rates, by hand-worked values, and the command end to end."""

from __future__ import annotations

import json

import pytest

from ghpo.cli import main as cli_main
from ghpo.reach import bare_reach, measure_reach, reach_markdown, reach_verdict, sample_rows

LEAD_IN = " Hint: "


def rows():
    question = lambda text: [{"role": "user", "content": text}]  # noqa: E731
    return [{"prompt": question("A"), "answer": "1", "solution": "abcd", "level": "Level 1"},
            {"prompt": question("B"), "answer": "1", "solution": "abcd", "level": "Level 1"},
            {"prompt": question("C"), "answer": "1", "solution": "", "level": "Level 2"}]


def fake_generate(calls):
    """Bare: A is right on its first 2 draws, B and C never. Hinted: right once the hint shows 2+ characters."""
    def generate(prompts, n):
        calls.append((len(prompts), n))
        out = []
        for prompt in prompts:
            text = prompt[-1]["content"]
            if LEAD_IN in text:
                right = len(text.split(LEAD_IN)[1]) >= 2
                out.append(["right" if right else "wrong"] * n)
            else:
                out.append(["right" if text == "A" and j < 2 else "wrong" for j in range(n)])
        return out
    return generate


def fake_score(chosen, completions):
    return [[float(c == "right") for c in samples] for samples in completions]


def test_measure_reach_by_hand():
    calls = []
    result = measure_reach(rows(), fake_generate(calls), fake_score, samples=4, group_size=2, ratios=[0.25, 0.5],
                           unit="char", lead_in=LEAD_IN)
    assert calls == [(3, 4), (2, 2), (2, 2)]  # bare: every row x samples; hinted: rows with a solution x G
    level1, level2, pool = (result["levels"][k] for k in ("1", "2", "all"))
    # level 1: right draws [2, 0] of 4; pass@2 of A = 1 - C(2,2)/C(4,2) = 5/6, of B = 0
    assert level1["per_sample"] == pytest.approx(2 / 8)
    assert level1["all_fail"] == pytest.approx(1 - 5 / 12)
    assert level1["solved"] == pytest.approx(1 / 2)
    assert level1["hint 0.25"] == 0.0 and level1["hint 0.5"] == 1.0  # 'a' is 1 character, 'ab' 2
    assert level2["per_sample"] == 0.0 and level2["all_fail"] == 1.0 and level2["hint 0.5"] is None  # no solution
    assert pool["problems"] == 3 and pool["per_sample"] == pytest.approx(2 / 12)
    assert pool["all_fail"] == pytest.approx(1 - 5 / 18) and pool["hint 0.5"] == 1.0
    assert result["verdict"].startswith("present: 72 %")  # 13/18 all-fail, under the starved threshold
    table = reach_markdown(result)
    assert "| 1 | 2 | 25.00 | 58.3 | 50.0 | 0.0 | 100.0 |" in table and "| 2 | 1 | 0.00 | 100.0 | 0.0 | – | – |" in table


@pytest.mark.parametrize("bare, top, starts", [
    ({"per_sample": 0.0, "all_fail": 1.0, "draws": 96}, 0.0, "out of reach, even hinted: no bare success in 96"),
    ({"per_sample": 0.0, "all_fail": 1.0, "draws": 96}, None, "out of reach, even hinted"),
    ({"per_sample": 0.0, "all_fail": 1.0, "draws": 96}, 0.74, "absent: no bare success in 96 draws"),
    ({"per_sample": 0.003, "all_fail": 0.98, "draws": 96}, 0.8, "rare: 98 % of GRPO's groups"),
    ({"per_sample": 0.14, "all_fail": 0.69, "draws": 96}, 0.9, "present: 69 % of GRPO's groups"),
])
def test_reach_verdict_reads_the_map(bare, top, starts):
    assert reach_verdict(bare, top).startswith(starts)


def test_bare_reach_group_larger_than_samples_and_empty():
    assert bare_reach([1], samples=1, group_size=8)["all_fail"] == 0.0  # pass@min(G, samples)
    with pytest.raises(ValueError, match="at least one problem"):
        bare_reach([], samples=4, group_size=2)


def test_sample_rows_draws_per_level_by_seed():
    pool = [{"level": f"Level {1 + i % 2}", "i": i} for i in range(10)]
    drawn = sample_rows(pool, 2, seed=3)
    assert [r["level"] for r in drawn].count("Level 1") == 2 and len(drawn) == 4
    assert [r["i"] for r in drawn] == sorted(r["i"] for r in drawn)  # file order kept
    assert drawn == sample_rows(pool, 2, seed=3) and len(sample_rows(pool, 50, seed=0)) == 10


def write_pool(path):
    rows = [{"problem": f"What is {a} + {a}?", "solution": f"{a} + {a} = {2 * a}, so $\\boxed{{{2 * a}}}$.",
             "level": f"Level {1 + a % 2}"} for a in range(4)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_data_reach_end_to_end(tiny_model_dir, tmp_path, capsys):
    pool = write_pool(tmp_path / "pool.jsonl")
    code = cli_main(["data", "reach", str(pool), "--model", tiny_model_dir, "--per_level", "1", "--samples", "2",
                     "--num_generations", "2", "--hint_ratios", "0.5", "--levels", "1,2", "--max_new_tokens", "4", "--backend",
                     "transformers", "--no_progress", "--output_dir", str(tmp_path / "out")])
    assert code == 0
    result = json.loads((tmp_path / "out" / "reach.json").read_text())
    assert set(result["levels"]) == {"1", "2", "all"} and result["levels"]["all"]["problems"] == 2
    assert result["levels"]["all"]["draws"] == 4 and "hint 0.5" in result["levels"]["all"]
    printed = capsys.readouterr().out
    assert "On the guidance map" in printed and "sampling 2 prompts x 2" in printed


def test_data_reach_bad_input(tmp_path, capsys):
    with pytest.raises(SystemExit, match="strictly increasing"):
        cli_main(["data", "reach", "x.jsonl", "--model", "m", "--hint_ratios", "0.5,0.25"])
    with pytest.raises(SystemExit, match="--samples must be >= 1"):
        cli_main(["data", "reach", "x.jsonl", "--model", "m", "--samples", "0"])
    with pytest.raises(SystemExit, match="--levels 'three'"):
        cli_main(["data", "reach", "x.jsonl", "--model", "m", "--levels", "three"])
    assert cli_main(["data", "reach", str(tmp_path / "missing.jsonl"), "--model", "m"]) == 2
    assert "missing.jsonl" in capsys.readouterr().err
    pool = write_pool(tmp_path / "pool.jsonl")  # levels 1-2 only: asking for level 5 names the levels found
    assert cli_main(["data", "reach", str(pool), "--model", "m", "--levels", "5"]) == 2
    assert "no row has a level in --levels [5]; levels found" in capsys.readouterr().err
