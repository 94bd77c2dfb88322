"""The sigmoid (SigLIP) loss on a batch's image–text logit matrix, as a small module."""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn
from torch.nn import functional as F

Normalisation = Literal["study", "paper"]


class SigmoidLoss(nn.Module):
    """Binary cross-entropy with logits; matching pairs (the diagonal) are the positives.

    `study`: mean over every cell of the matrix, averaged over the image→text and
    text→image directions, as the study computed it. `paper`: the SigLIP paper's
    normalisation, the sum over all cells divided by the batch size.
    """

    def __init__(self, normalisation: Normalisation = "study") -> None:
        super().__init__()
        if normalisation not in ("study", "paper"):
            raise ValueError(f"unknown loss normalisation {normalisation!r}; expected 'study' or 'paper'")
        self.normalisation = normalisation

    def forward(self, logits_per_image: torch.Tensor) -> torch.Tensor:
        logits = logits_per_image.float()
        targets = torch.eye(logits.shape[0], device=logits.device, dtype=logits.dtype)
        if self.normalisation == "paper":
            return F.binary_cross_entropy_with_logits(logits, targets, reduction="sum") / logits.shape[0]
        image_to_text = F.binary_cross_entropy_with_logits(logits, targets)
        text_to_image = F.binary_cross_entropy_with_logits(logits.t(), targets)
        return (image_to_text + text_to_image) / 2
