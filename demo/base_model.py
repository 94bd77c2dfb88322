"""The demo's `base`: the tiny SigLIP briefly trained on a separately drawn synthetic set.

Pictures in a "sketch" style, unlike either demo collection, captioned "a drawing of a …":
the base model then knows something about the object types but is out of domain, as the
real SigLIP is for museum photographs. It plugs into `hw model tiny`'s build as its `Pretraining`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from training.stage import Pretraining

PRETRAIN_STEPS = 400  # out-of-domain steps that give the demo's base some knowledge (benchmarks/README.md)
BATCH_SIZE = 32
LEARNING_RATE = 1e-3
MAX_PICTURES = 512


def out_of_domain(steps: int = PRETRAIN_STEPS) -> Pretraining:
    """`steps` of pre-training on the sketches, for a tiny checkpoint before it is recorded."""
    return Pretraining(steps, pretrain_out_of_domain)


def pretrain_out_of_domain(model_dir: Path, steps: int, seed: int) -> None:
    """Train the checkpoint in `model_dir` for `steps` steps on synthetic pairs, and save it in place."""
    from demo.generate import synthetic_pairs
    from heritage_weaver.siglip import load_siglip
    from training.checkpoints import save_pretrained
    from training.data import epoch_batches
    from training.loss import SigmoidLoss
    from training.schedule import make_optimizer
    from training.step import batch_loss, optimizer_step

    encoder = load_siglip(str(model_dir), training=True)
    size = encoder.processor.image_processor.size["height"]
    pairs = synthetic_pairs(min(MAX_PICTURES, steps * BATCH_SIZE), seed, style="sketch", size=size)
    pixel_values = encoder.pixel_values([picture for picture, _ in pairs]).to(encoder.device)
    input_ids = encoder.token_ids([caption for _, caption in pairs])

    model = encoder.model.train()
    loss_fn = SigmoidLoss(
        "paper"
    )  # learnt faster than the study normalisation in short runs (see benchmarks/README.md)
    optimizer, scheduler = make_optimizer(model, LEARNING_RATE, 0.0, steps, warmup_ratio=0.1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        batches: list[np.ndarray] = []
        epoch = 0
        while len(batches) < steps:
            batches += epoch_batches(len(pairs), BATCH_SIZE, seed, epoch)
            epoch += 1
        for batch in batches[:steps]:
            index = torch.from_numpy(batch)
            batch_loss(model, loss_fn, pixel_values[index], input_ids[index], encoder.device).backward()
            optimizer_step(model, optimizer, scheduler, max_grad_norm=1.0)
    save_pretrained(model.eval(), encoder.processor, Path(model_dir))
