"""The guidance map's points, by hand: x = the base's sampled bare pass rate on the pool, y = arm − GRPO."""

import json

from ghpo.demo.guidance_map import main, map_points, pool_bare_rate
from ghpo.demo.settings import parse_settings


def metrics(hard="7-8", bare=None, arms=None, seeds=3):
    settings = parse_settings(["--hard_levels", hard, "--seeds", str(seeds)]).to_dict()
    return {"settings": settings, "base_extra": {"sampled": {"0.0": bare or {"7": 0.01, "8": 0.0}}},
            "arms": arms or [{"arm": "grpo", "minus_grpo": [0.0, 0.0]}, {"arm": "ghpo", "minus_grpo": [0.2, 0.1]},
                             {"arm": "dapo", "minus_grpo": [0.3, 0.05]}]}


def test_points_by_hand():
    assert pool_bare_rate(metrics()) == 0.005  # (1 % + 0 %) / 2 levels
    point = map_points(metrics(), ["ghpo", "dapo", "grpo-cl"])
    assert point["x"] == 0.005 and point["ghpo"] == (0.2, 0.1) and point["dapo"] == (0.3, 0.05)
    assert "grpo-cl" not in point and point["seeds"] == 3 and point["pools"] == "7-8"


def test_the_command_draws_several_pools(tmp_path, capsys):
    for name, hard, bare in (("starved", "7-8", {"7": 0.01, "8": 0.0}), ("mixed", "3-8", {str(lv): 0.1 for lv in
                                                                                          range(3, 9)})):
        (tmp_path / name).mkdir()
        (tmp_path / name / "metrics.json").write_text(json.dumps(metrics(hard, bare)))
    output = tmp_path / "map.png"
    assert main([str(tmp_path / "starved"), str(tmp_path / "mixed"), "--output", str(output)]) == 0
    out = capsys.readouterr().out
    assert "bare pass rate 0.5 %; − GRPO: ghpo +20.0 ± 10.0, dapo +30.0 ± 5.0" in out
    assert "bare pass rate 10.0 %" in out and output.stat().st_size > 10_000
