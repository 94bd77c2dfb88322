"""One optimisation step on a batch of pairs, shared by `hw train` and the demo's base pre-training."""

from __future__ import annotations

from typing import Any

import torch

from heritage_weaver.siglip import autocast
from training.loss import SigmoidLoss


def batch_loss(
    model: Any, loss_fn: SigmoidLoss, pixel_values: torch.Tensor, input_ids: torch.Tensor, device: str
) -> torch.Tensor:
    """The sigmoid loss of the model's image–text logits (learned scale and bias) on one batch."""
    with autocast(device):
        # No attention mask, as in SigLIP's own training and in the embeddings encoder.
        output = model(input_ids=input_ids.to(device, non_blocking=True), pixel_values=pixel_values)
    return loss_fn(output.logits_per_image)


def optimizer_step(model: Any, optimizer: torch.optim.Optimizer, scheduler: Any, max_grad_norm: float) -> None:
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
