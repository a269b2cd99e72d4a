"""Which multi-process engine a run really got, and a stop when it is not the one its launch asked for.

`accelerate launch --config_file zero3.yaml` asks for DeepSpeed through environment variables; accelerate then
falls back *silently* when it cannot honour them: without an accelerator it never sets FSDP up (a plain
multi-process CPU run instead), and a CPU launch with `use_cpu: true` drops DeepSpeed. ghpo names the engine it got
in its log and stops when that is not the one asked for, or when the launched processes did not join one run (a CPU
launch with `use_cpu: false`: each process trains alone).

    >>> requested_engine({"ACCELERATE_USE_DEEPSPEED": "true"})
    'DEEPSPEED'
    >>> requested_engine({"ACCELERATE_USE_FSDP": "False"}) is None
    True
    >>> engine_line("DEEPSPEED", 2, zero_stage=3)
    'engine: DEEPSPEED ZeRO-3, 2 processes'
    >>> engine_line("MULTI_CPU", 2)
    'engine: MULTI_CPU, 2 processes'
    >>> engine_mismatch("FSDP", "MULTI_CPU") is not None
    True
    >>> engine_mismatch("FSDP", "FSDP") is None
    True
    >>> process_mismatch(2, 1) is not None, process_mismatch(2, 2)
    (True, None)
"""

from __future__ import annotations

import os
from collections.abc import Mapping

REQUEST_VARIABLES = {"DEEPSPEED": "ACCELERATE_USE_DEEPSPEED", "FSDP": "ACCELERATE_USE_FSDP"}


def requested_engine(environ: Mapping[str, str]) -> str | None:
    """'DEEPSPEED' or 'FSDP' when the launcher asked for it (`accelerate launch` sets ACCELERATE_USE_*), else None."""
    for engine, variable in REQUEST_VARIABLES.items():
        if environ.get(variable, "false").lower() in ("true", "1", "yes"):
            return engine
    return None


def engine_of(accelerator) -> dict:
    """What accelerate really set up: distributed type, processes, ZeRO stage (None outside DeepSpeed), precision."""
    kind = accelerator.distributed_type.value
    plugin = accelerator.state.deepspeed_plugin if kind == "DEEPSPEED" else None
    return {"type": kind, "processes": accelerator.num_processes, "zero_stage": plugin.zero_stage if plugin else None,
            "mixed_precision": accelerator.mixed_precision}


def engine_line(distributed_type: str, num_processes: int, zero_stage: int | None = None) -> str:
    """The log line that names the engine a run got (tests and users grep it)."""
    engine = f"{distributed_type} ZeRO-{zero_stage}" if distributed_type == "DEEPSPEED" else distributed_type
    return f"engine: {engine}, {num_processes} process{'es' if num_processes != 1 else ''}"


def engine_mismatch(requested: str | None, actual: str) -> str | None:
    """Why a run must stop when the launcher asked for `requested` and accelerate set up `actual`; None when fine."""
    if requested is None or requested == actual:
        return None
    if requested == "FSDP":
        return (f"this launch asked for FSDP, but the run would get {actual}: accelerate sets FSDP up only on GPUs "
                "(or other accelerators), never on CPU processes. On a CPU machine use torchrun (DDP over gloo) or "
                "DeepSpeed ZeRO (docs/training.md#multi-process-engines-what-is-tested-where); FSDP is untested here")
    return (f"this launch asked for DeepSpeed, but the run got {actual}: check the launcher's YAML "
            "(distributed_type: DEEPSPEED) and, on a machine without a GPU, DS_ACCELERATOR=cpu "
            "(docs/training.md#multi-process-engines-what-is-tested-where)")


def process_mismatch(launched: int, joined: int) -> str | None:
    """Why a run must stop when the launcher started `launched` processes (WORLD_SIZE) but accelerate joined them
    into groups of `joined`: each process would train alone, on its own copy, or fail inside DeepSpeed."""
    if launched == joined:
        return None
    return (f"the launcher started {launched} processes but accelerate set up {joined}: each would train alone. On a "
            "machine without a GPU keep ghpo train's `use_cpu: true` (recipes/tiny_cpu.yaml sets it), which joins "
            "CPU processes over gloo, also under DeepSpeed")


def join_deepspeed_comm(config) -> None:
    """Under a DeepSpeed launch with `use_cpu` (how a CPU machine runs it), accelerate sets up torch's gloo process
    group but not DeepSpeed's own communication layer; ZeRO-3's `zero.Init` (TRL builds the reference model under it
    when beta > 0) would then count one process and refuse the batch size. Hand DeepSpeed the group first."""
    import torch

    if config is None or requested_engine(os.environ) != "DEEPSPEED":
        return
    config.device  # noqa: B018 -- sets up the processes (accelerate's PartialState), as the Trainer would
    if not torch.distributed.is_initialized():
        return
    from deepspeed import comm

    if not comm.is_initialized():
        comm.init_distributed(dist_backend=torch.distributed.get_backend(), auto_mpi_discovery=False)
