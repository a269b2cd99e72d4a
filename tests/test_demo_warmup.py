"""`ghpo demo`'s warm-up: its schedule, the extensions until the base converges, and hint reading."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from ghpo.demo.settings import parse_settings
from ghpo.demo.warmup import sft_config


def test_warmup_schedule_reaches_the_sft_config_and_keys_the_cache():
    cosine, constant = parse_settings([]), parse_settings(["--warmup_schedule", "constant"])
    assert sft_config(cosine, "/tmp/x").lr_scheduler_type == "cosine"
    assert sft_config(constant, "/tmp/x").lr_scheduler_type == "constant_with_warmup"  # after 5 % linear warm-up
    assert constant.warmup_key() != cosine.warmup_key()
    assert parse_settings(["--warmup_schedule", "cosine"]).warmup_key() == cosine.warmup_key()


def test_extensions_and_hint_reading_always_anneal(monkeypatch, tmp_path):
    # measured: after a constant-lr warm-up, constant-lr extensions plateaued (docs/demo.md), so they anneal regardless
    from ghpo.demo import warmup

    configs = []

    class FakeTrainer:
        def __init__(self, model, args, processing_class, train_dataset):
            configs.append(args)
            self.state = SimpleNamespace(log_history=[{"loss": 0.05}])

    model = SimpleNamespace(train=lambda: model)
    monkeypatch.setattr(warmup, "load_base", lambda folder, settings: (model, None, {"examples": 7, "seconds": 1.0,
                                                                                   "final_loss": 0.1}))
    monkeypatch.setattr(warmup, "SFTTrainer", FakeTrainer)
    monkeypatch.setattr(warmup, "train_and_save", lambda trainer, tokenizer, folder: 2.0)
    settings = parse_settings(["--warmup_schedule", "constant"])
    example = {"prompt": [{"role": "user", "content": "q"}], "completion": [{"role": "assistant", "content": "a"}]}
    summary = warmup.train_more(settings, tmp_path, [example] * 3, {"extensions": 1})
    assert configs[0].lr_scheduler_type == "cosine" and configs[0].learning_rate == settings.warmup_lr / 2
    assert summary == {"examples": 10, "seconds": 3.0, "final_loss": 0.05, "extensions": 1}
    assert json.loads((tmp_path / warmup.DONE_FILE).read_text()) == summary


@pytest.mark.parametrize("sampled, extensions, expected_extensions, converged", [
    ([(0.08, 0.3), (0.18, 0.85)], 2, 1, True),  # converged after one extension
    ([(0.08, 0.3)] * 3, 2, 2, False),  # still not after the cap: measure_base's check then stops the run
    ([(0.2, 0.9)], 2, 0, True),  # converged at once: nothing to extend
])
def test_warmup_is_extended_until_the_base_converges(monkeypatch, tmp_path, sampled, extensions,
                                                     expected_extensions, converged):
    from ghpo.demo import run

    checks, extended, marked = iter(sampled), [], []
    monkeypatch.setattr(run, "load_base", lambda folder, settings: (None, None, {}))
    monkeypatch.setattr(run, "level_completions", lambda *args, **kwargs: [])
    monkeypatch.setattr(run, "step_accuracy", lambda pairs, borrows=False: dict(zip(("flaky", "other"), next(checks))))
    monkeypatch.setattr(run, "extend_warm_up", lambda settings, folder, n: extended.append(n) or {"examples": n,
                                                                                                 "final_loss": 0.1})
    monkeypatch.setattr(run, "mark_checked", lambda folder, steps: marked.append(steps))
    settings = parse_settings(["--warmup_extensions", str(extensions)])
    summary = run.train_until_converged(settings, tmp_path, {"examples": 0}, evaluation=[])
    assert extended == list(range(1, expected_extensions + 1))
    assert ("converged_steps" in summary) == converged and bool(marked) == converged
    # a base already checked, the ceiling world and --no-check_warmup are not checked at all
    for argv, seen in ((["--world", "ceiling"], {}), ([], {"converged_steps": {}}), (["--no-check_warmup"], {})):
        assert run.train_until_converged(parse_settings(argv), tmp_path, seen, evaluation=[]) == seen


def test_hint_reading_trains_a_copy_of_the_converged_base_once(monkeypatch, tmp_path):
    from ghpo.demo import run
    from ghpo.demo.warmup import DONE_FILE

    converged = tmp_path / "converged"
    converged.mkdir()
    (converged / "model.safetensors").write_text("weights")
    (converged / DONE_FILE).write_text(json.dumps({"examples": 100}))
    trained = []

    def fake_read_hints(settings, folder):
        trained.append(folder)
        (folder / "model.safetensors").write_text("read")
        return {"examples": 130, "reading_examples": 30, "final_loss": 0.02}

    monkeypatch.setattr(run, "read_hints", fake_read_hints)
    cache = ["--cache_dir", str(tmp_path / "cache")]
    summary = {"examples": 100, "converged_steps": {}}
    for argv, seen in ((["--warmup_reading_examples", "0"], summary),  # off
                       (["--warmup_reading_examples", "30"], {"examples": 100})):  # unconverged
        assert run.add_hint_reading(parse_settings(argv + cache), converged, seen) == (converged, seen)
    assert not trained
    settings = parse_settings(["--warmup_reading_examples", "30"] + cache)
    folder, result = run.add_hint_reading(settings, converged, summary)
    assert folder == settings.warmup_dir() != converged and result["reading_examples"] == 30
    assert (folder / "model.safetensors").read_text() == "read"
    assert (converged / "model.safetensors").read_text() == "weights"  # the converged base stays as it was
    assert len(trained) == 1 and not trained[0].exists()  # trained in a partial folder, then moved in place
    (folder / DONE_FILE).write_text(json.dumps(result))
    assert run.add_hint_reading(settings, converged, summary)[0] == folder and len(trained) == 1  # cached


@pytest.mark.parametrize("argv, other_after_hint, stops", [
    ([], 0.16, True),  # measured on a base warmed up on 1 thread: it passed the bare check but misreads hints
    ([], 0.91, False),  # the shipped base
    (["--no-check_warmup"], 0.16, False),
    (["--warmup_reading_examples", "0"], 0.16, False),  # no hint reading: nothing claims to teach it
])
def test_a_base_that_misreads_hints_stops_before_rl(argv, other_after_hint, stops):
    from ghpo.demo.run import check_hint_reading

    read = {"flaky": 0.01, "other": other_after_hint, "flaky_steps": 121, "other_steps": 79, "ratio": 0.75}
    if not stops:
        check_hint_reading(parse_settings(argv), read)
        return
    with pytest.raises(SystemExit, match=r"after a 75% hint .* 16.0 % right .* --warmup_reading_examples \(now 30000"):
        check_hint_reading(parse_settings(argv), read)
