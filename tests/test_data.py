"""The data layer: column mapping for each layout, gold answers, rejected rows with their numbers and reasons."""

import json
from pathlib import Path

import pytest
from datasets import Dataset

from ghpo.data import DataError, load_raw_dataset, prepare_dataset, resolve_columns

SHARED = Path(__file__).parents[1].parent / "shared" / "data"


def test_column_layouts():
    assert resolve_columns(["problem", "solution", "solution_hint"]) == ("problem", "solution", "solution_hint")
    assert resolve_columns(["problem", "solution", "level"]) == ("problem", None, "solution")  # MATH: boxed gold
    assert resolve_columns(["problem", "solution", "answer"]) == ("problem", "answer", "solution")
    assert resolve_columns(["question", "answer"]) == ("question", "answer", None)
    with pytest.raises(DataError, match="no problem column found among"):
        resolve_columns(["text", "answer"])
    with pytest.raises(DataError, match="'query' is not in the dataset"):
        resolve_columns(["problem", "answer"], problem="query")
    with pytest.raises(DataError, match="no gold answer"):
        resolve_columns(["problem", "notes"])


def test_prepare_keeps_good_rows_and_names_bad_ones():
    raw = Dataset.from_list([
        {"problem": "1+1?", "solution": "It is \\boxed{2}.", "level": "Level 3"},
        {"problem": "2+2?", "solution": "No box here.", "level": "Level 3"},
        {"problem": "   ", "solution": "\\boxed{1}", "level": "Level 4"},
        {"problem": "3+3?", "solution": "So \\boxed 6", "level": "Level 5"},
    ])
    dataset, summary = prepare_dataset(raw, source="toy", system_prompt="Think.")
    assert len(dataset) == 2 and summary.kept == 2 and summary.rows == 4
    assert dataset[0]["prompt"] == [{"role": "system", "content": "Think."}, {"role": "user", "content": "1+1?"}]
    assert dataset[0]["answer"] == "2" and dataset[1]["answer"] == "6" and dataset[0]["level"] == "Level 3"
    assert [row for row, _ in summary.rejected] == [1, 2]
    assert "no gold answer" in summary.rejected[0][1] and "empty question" in summary.rejected[1][1]
    assert "rows: 4, kept: 2, rejected: 2" in str(summary)


def test_paper_layout_uses_solution_as_gold_and_solution_hint_for_hints():
    raw = Dataset.from_list([{"problem": "Q", "solution": "5", "solution_hint": "Add 2 and 3 to get \\boxed{5}."}])
    dataset, summary = prepare_dataset(raw, system_prompt=None)
    assert dataset[0]["answer"] == "5" and dataset[0]["solution"].startswith("Add 2")
    assert dataset[0]["prompt"] == [{"role": "user", "content": "Q"}]
    assert summary.without_solution == 0


def test_rows_without_solution_are_kept_and_counted():
    dataset, summary = prepare_dataset(Dataset.from_list([{"question": "Q", "answer": 3}]), system_prompt=None)
    assert dataset[0]["answer"] == "3" and dataset[0]["solution"] == "" and summary.without_solution == 1


def test_local_files_of_each_format(tmp_path):
    rows = [{"problem": "1+1?", "answer": "2"}]
    (tmp_path / "d.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    (tmp_path / "d.json").write_text(json.dumps(rows))
    (tmp_path / "d.csv").write_text("problem,answer\n1+1?,2\n")
    Dataset.from_list(rows).to_parquet(str(tmp_path / "d.parquet"))
    for name in ("d.jsonl", "d.json", "d.csv", "d.parquet"):
        assert load_raw_dataset(str(tmp_path / name))[0]["problem"] == "1+1?"
    (tmp_path / "d.txt").write_text("x")
    with pytest.raises(DataError, match="unsupported file type '.txt'"):
        load_raw_dataset(str(tmp_path / "d.txt"))


def test_unreachable_hub_dataset_names_what_could_not_be_fetched(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataError, match="could not fetch dataset 'hkgc/math3to5_olympiads_aime'"):
        load_raw_dataset("hkgc/math3to5_olympiads_aime")


@pytest.mark.skipif(not (SHARED / "train").is_dir(), reason="../shared/data/train not present")
def test_real_math_pool_and_aime():
    math_pool = load_raw_dataset(str(SHARED / "train" / "math_train_L3to5.jsonl"))
    dataset, summary = prepare_dataset(math_pool, source="math")
    assert summary.rows == 5586 and summary.kept == 5584
    assert [row for row, _ in summary.rejected] == [4296, 4298]  # their solutions end in an empty \boxed{}
    assert summary.gold_sources["boxed_no_braces"] == 2  # the two `\boxed 2` rows the data README names
    # Our gold agrees with the dataset's own last-boxed column (which is None for the two brace-less rows).
    by_problem = {row["problem"]: row["answer_lastboxed"] for row in math_pool}
    golds = [(row["answer"], by_problem[row["prompt"][-1]["content"]]) for row in dataset]
    assert all(ours == theirs.strip() for ours, theirs in golds if theirs is not None)
    assert sum(theirs is None for _, theirs in golds) == 2
    aime, aime_summary = prepare_dataset(load_raw_dataset(str(SHARED / "train" / "aime" / "aime_1983_2023.json")))
    assert aime_summary.gold_sources["answer"] == aime_summary.kept >= 970
