"""Imitation of the revealed prefix (`hint_imitation_coef`), as a mixin of `GHPOTrainer`: the supervised half of
"hybrid" made explicit.

GHPO trains the continuation *after* a hint, so the steps the hint revealed are never a training target for the
bare question. With `hint_imitation_coef = λ > 0`, every group the ladder solved with a hint adds λ × the mean
token NLL of that hint, written as the answer to the bare question (chat template of the question, then the hint's
tokens), to the loss. Logged as `ghpo/imitation_loss` (the NLL, before λ).

    >>> ids, mask = imitation_batch([([5, 6, 7], 2), ([5, 8], 0)], pad_id=0)
    >>> ids.tolist(), mask.tolist()       # right-padded; the mask marks the hint's tokens (the last 2 of row 0)
    ([[5, 6, 7], [5, 8, 0]], [[0, 1, 1], [0, 0, 0]])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .ladder import hard_group_mask


def imitation_batch(sequences: list[tuple[list[int], int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """[(token ids, number of trailing hint tokens)] -> (ids (B, L), mask (B, L)): right-padded ids, 1 where a
    token belongs to the hint (a target of the imitation term). A row with 0 hint tokens is all-zero in the mask."""
    length = max((len(ids) for ids, _ in sequences), default=1)
    ids = torch.full((len(sequences), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), length), dtype=torch.long)
    for row, (tokens, hint_tokens) in enumerate(sequences):
        ids[row, : len(tokens)] = torch.tensor(tokens, dtype=torch.long)
        if hint_tokens:
            mask[row, len(tokens) - hint_tokens : len(tokens)] = 1
    return ids, mask


def masked_token_nll(logits: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood of the tokens where `mask` is 1, each predicted from the ones before it.

    logits (B, L, V) of the model on `ids` (B, L); token t is scored by the logits at position t - 1, so a mask on
    position 0 is ignored. Returns 0 (a tensor) when no token is masked.
    """
    targets, weights = ids[:, 1:], mask[:, 1:].to(logits.dtype)  # (B, L-1)
    log_probs = F.log_softmax(logits[:, :-1].float(), dim=-1)  # (B, L-1, V)
    token_nll = -log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)  # (B, L-1)
    return (token_nll * weights).sum() / weights.sum().clamp(min=1.0)


class HintImitation:
    """Mixin: needs GHPOTrainer's `_hint_text`, `_tokenize_hinted`, `_solution`, `_accuracy` and the ladder's
    final rungs."""

    def _check_imitation_supported(self) -> None:
        if getattr(self, "is_fsdp_enabled", False):
            raise NotImplementedError("hint_imitation_coef > 0 is not supported with FSDP (untested: accelerate sets "
                                      "FSDP up only on GPUs); use DDP or DeepSpeed ZeRO-2 / ZeRO-3.")
        # ZeRO-3 gathers each layer's parameters in every forward pass, a collective: then every process runs the
        # imitation forward, one with nothing to imitate on a row with no target (NLL 0, gradient 0).
        self._imitation_forward_everywhere = getattr(self, "is_deepspeed_enabled", False) and getattr(
            self.accelerator.state.deepspeed_plugin, "zero_stage", 0) == 3

    def _imitation_targets(self, rows, rollout, final_rung: dict[int, int], ratios: list[float]) -> None:
        """Remember, per row of this batch, the bare question + the hint of its group when the ladder solved the
        group with that hint (else nothing to imitate); `_generate_and_score_completions` attaches them."""
        group_size = self.num_generations
        accuracy = self._accuracy(rows, rollout.prompts, rollout.completions, rollout.completion_ids)  # memoized
        solved = ~hard_group_mask(accuracy, group_size)  # (N,)
        sequences = []
        for group in range(len(rows) // group_size):
            first_row = group * group_size
            entry = ([0], 0)
            if group in final_rung and solved[group]:
                prompt = self._original_prompts[first_row]
                hint = self._hint_text(prompt, self._solution(rows[first_row]), ratios[final_rung[group]])  # as shown
                with_hint = self._tokenize_hinted([prompt], [hint])[0][0]  # the bare question, then the hint
                entry = (list(with_hint), len(self._tokenizer(hint, add_special_tokens=False)["input_ids"]))
            sequences += [entry] * group_size
        self._imitation_pending = imitation_batch(sequences, self._tokenizer.pad_token_id or 0)

    def _attach_imitation(self, output: dict) -> dict:
        pending, self._imitation_pending = getattr(self, "_imitation_pending", None), None
        if self.args.hint_imitation_coef > 0 and self.model.training:
            rows = output["completion_ids"].shape[0]
            ids, mask = pending if pending is not None else imitation_batch([([0], 0)] * rows, 0)
            output["imitation_ids"], output["imitation_mask"] = ids.to(self.accelerator.device), \
                mask.to(self.accelerator.device)
        return output

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        ids, mask = inputs.pop("imitation_ids", None), inputs.pop("imitation_mask", None)
        loss = super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        if ids is None or self.args.hint_imitation_coef <= 0:
            return loss
        nll = self._imitation_nll(model, ids, mask)
        self._metrics["train"]["ghpo/imitation_loss"].append(self.accelerator.gather(nll.detach()).mean().item())
        return loss + self.args.hint_imitation_coef * nll

    def _imitation_nll(self, model, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean NLL of the hint tokens in `mask`; only rows with something to imitate go through the model."""
        keep = mask.any(dim=1)  # (B,)
        if not keep.any():
            if not getattr(self, "_imitation_forward_everywhere", False):
                return torch.zeros((), device=ids.device)
            keep[0] = True  # a row with no target: this process still takes part in ZeRO-3's gathers
        ids, mask = ids[keep], mask[keep]
        positions = torch.arange(ids.shape[1], device=ids.device)
        attention = positions <= (mask * positions).max(dim=1, keepdim=True).values
        # The unwrapped module: without ZeRO-3, no collective in its forward, so a process with nothing to imitate
        # skips it; its gradients reach the same parameters, reduced with the GRPO loss's in the one backward.
        logits = self.accelerator.unwrap_model(model)(input_ids=ids, attention_mask=attention.long()).logits
        return masked_token_nll(logits, ids, mask)
