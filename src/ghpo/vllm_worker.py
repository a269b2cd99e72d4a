"""Runs inside a vLLM worker: reload the policy's weights, then refresh the layers that share a weight.

vLLM's `reload_weights` reprocesses every layer that loads a tensor. A tied `lm_head` loads none (the checkpoint
skips it; it shares `embed_tokens.weight`), so its values change with the embedding but, on the CPU backend, its
GEMM still multiplies by the copy it packed when the engine started: the engine samples from the new body and the
old output layer (measured: log-probs off by 1.6 after three steps while every linear layer had been reloaded).
So after a reload, every layer whose weight Parameter is also another layer's is processed again.

Used two ways, by `ghpo.vllm_cpu`: called in-process through `LLM.collective_rpc(reload_on_worker, ...)` (colocate),
and, for `vllm serve`, as the worker extension `WeightReloadExtension`
(`--worker-extension-cls ghpo.vllm_worker.WeightReloadExtension`), whose method the trainer calls by name through
the server's dev-mode `/collective_rpc`.
"""

from __future__ import annotations

from collections.abc import Iterable

from torch import nn


def layers_sharing_a_weight(model: nn.Module) -> list[nn.Module]:
    """Modules whose own `weight` Parameter is also another module's (e.g. a tied lm_head and the embedding)."""
    owners: dict[int, list[nn.Module]] = {}
    for module in model.modules():
        weight = module._parameters.get("weight")  # registered on this module itself, not a child
        if weight is not None:
            owners.setdefault(id(weight), []).append(module)
    return [module for modules in owners.values() if len(modules) > 1 for module in modules]


def refresh_shared_weight_layers(model: nn.Module) -> int:
    """Re-run the weight processing (the CPU GEMM packing) of layers sharing a weight; returns how many."""
    refreshed = 0
    for module in layers_sharing_a_weight(model):
        quant_method = getattr(module, "quant_method", None)  # vLLM layers have one; plain torch modules do not
        if quant_method is not None:
            quant_method.process_weights_after_loading(module)
            refreshed += 1
    return refreshed


def reload_on_worker(worker, weights_iterator: Iterable | None = None, weights_path: str | None = None) -> int:
    """vLLM's in-place reload from `(name, tensor)` pairs or a folder, then the shared-weight refresh."""
    worker.reload_weights(weights_iterator=weights_iterator, weights_path=weights_path, is_checkpoint_format=True)
    return refresh_shared_weight_layers(worker.model_runner.get_model())


class WeightReloadExtension:
    """Mixed into `vllm serve`'s workers: `POST /collective_rpc {"method": "ghpo_reload_weights", "kwargs":
    {"weights_path": FOLDER}}` reloads the weights saved in FOLDER."""

    def ghpo_reload_weights(self, weights_path: str) -> int:
        return reload_on_worker(self, weights_path=weights_path)
