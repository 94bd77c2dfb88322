"""The training loop: epochs of accumulated sigmoid-loss steps, an evaluation loss per epoch,
`ft-best`/`ft-last` checkpoints, and a state file from which a killed run resumes exactly."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import torch

from training.checkpoints import load_state, restore_rng, rng_state, save_pretrained, save_state
from training.data import PairDataset, batch_loader, epoch_batches, fixed_batches
from training.loss import SigmoidLoss
from training.schedule import make_optimizer
from training.step import batch_loss, optimizer_step


class StateMismatch(RuntimeError):
    """The saved training state was made with other settings or data."""


@dataclass(frozen=True)
class Settings:
    epochs: int
    batch_size: int
    learning_rate: float
    weight_decay: float
    warmup_ratio: float
    grad_accum: int
    max_grad_norm: float
    loss_normalisation: str
    checkpoint_every: int
    workers: int
    seed: int


@dataclass(frozen=True)
class Outputs:
    state: Path
    best: Path
    last: Path


@dataclass
class TrainingState:
    """Where the run stands; saved with the weights so that a resumed run replays nothing twice."""

    epoch: int = 0
    micro_batch: int = 0  # next micro-batch of `epoch` to train on
    step: int = 0  # optimizer steps taken
    best_eval_loss: float = math.inf
    best_epoch: int | None = None
    finished: bool = False
    metrics: list[dict] = field(default_factory=list)


def evaluation_loss(
    model: Any,
    dataset: PairDataset,
    settings: Settings,
    normalise: Callable[[torch.Tensor], torch.Tensor],
    loss_fn: SigmoidLoss,
    device: str,
) -> float:
    """Mean sigmoid loss over the held-out pairs, in the same batches every epoch."""
    batches = fixed_batches(len(dataset), settings.batch_size, settings.seed)
    total, weight = 0.0, 0
    model.eval()
    with torch.no_grad():
        for images, ids in batch_loader(dataset, batches, settings.workers):
            total += batch_loss(model, loss_fn, normalise(images), ids, device).item() * len(ids)
            weight += len(ids)
    model.train()
    return total / weight if weight else math.nan


class Trainer:
    def __init__(
        self,
        encoder: Any,
        train_set: PairDataset,
        eval_set: PairDataset,
        settings: Settings,
        outputs: Outputs,
        fingerprint: str,
    ) -> None:
        self.encoder = encoder
        self.model = encoder.model
        self.device = encoder.device
        self.train_set, self.eval_set = train_set, eval_set
        self.settings, self.outputs, self.fingerprint = settings, outputs, fingerprint
        self.normalise = partial(encoder.pixels.normalise, device=self.device)
        self.loss_fn = SigmoidLoss(settings.loss_normalisation)  # type: ignore[arg-type]
        micro_batches = len(epoch_batches(len(train_set), settings.batch_size, settings.seed, 0))
        self.total_steps = math.ceil(micro_batches / settings.grad_accum) * settings.epochs
        self.optimizer, self.scheduler = make_optimizer(
            self.model, settings.learning_rate, settings.weight_decay, self.total_steps, settings.warmup_ratio
        )
        self.state = TrainingState()
        self.pairs_per_epoch = sum(len(b) for b in epoch_batches(len(train_set), settings.batch_size, settings.seed, 0))

    @property
    def pairs_done(self) -> int:
        """Pairs trained on so far (for the progress bar)."""
        within = min(self.state.micro_batch * self.settings.batch_size, self.pairs_per_epoch)
        return min(self.state.epoch, self.settings.epochs) * self.pairs_per_epoch + within

    def resume(self) -> bool:
        """Load the saved state if there is one (True), else start from the seed (False)."""
        saved = load_state(self.outputs.state)
        if saved is None:
            torch.manual_seed(self.settings.seed)
            return False
        if saved["fingerprint"] != self.fingerprint:
            raise StateMismatch(
                f"{self.outputs.state} was saved by a run with other settings, base model or pairs; "
                "run `hw train --restart` to start again"
            )
        self.state = TrainingState(**saved["progress"])
        if not self.state.finished:
            self.model.load_state_dict(saved["model"])
            self.optimizer.load_state_dict(saved["optimizer"])
            self.scheduler.load_state_dict(saved["scheduler"])
            restore_rng(saved["rng"])
        return True

    def _save_state(self) -> None:
        # "progress": the key states saved before TrainingState had its name, kept so that they still resume
        saved: dict = {"fingerprint": self.fingerprint, "progress": vars(self.state)}
        if not self.state.finished:
            saved |= {
                "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(),
                "rng": rng_state(),
            }
        save_state(self.outputs.state, saved)

    def _train_step(self, loader, group_size: int) -> dict:
        started = time.perf_counter()
        losses, pairs = [], 0
        for _ in range(group_size):
            images, ids = next(loader)
            loss = batch_loss(self.model, self.loss_fn, self.normalise(images), ids, self.device)
            (loss / group_size).backward()
            losses.append(loss.detach())
            pairs += len(ids)
        learning_rate = self.scheduler.get_last_lr()[0]
        optimizer_step(self.model, self.optimizer, self.scheduler, self.settings.max_grad_norm)
        mean_loss = torch.stack(losses).mean().item()  # also waits for the GPU, so the rate is honest
        return {
            "pairs": pairs,
            "loss": mean_loss,
            "lr": learning_rate,
            "pairs_per_s": pairs / max(time.perf_counter() - started, 1e-9),
        }

    def run(
        self,
        on_pairs: Callable[[int], None] = lambda n: None,
        on_checkpoint: Callable[[TrainingState], None] = lambda p: None,
    ) -> TrainingState:
        """Train to the end from wherever the state says; returns the final state."""
        settings, state = self.settings, self.state
        self.model.train()
        while not state.finished:
            if state.epoch < settings.epochs:
                self._train_epoch(on_pairs, on_checkpoint)
            else:
                save_pretrained(self.model, self.encoder.processor, self.outputs.last)
                state.finished = True
                self._save_state()
                on_checkpoint(state)
        return state

    def _train_epoch(self, on_pairs, on_checkpoint) -> None:
        settings, state = self.settings, self.state
        batches = epoch_batches(len(self.train_set), settings.batch_size, settings.seed, state.epoch)
        loader = batch_loader(self.train_set, batches[state.micro_batch :], settings.workers)
        while state.micro_batch < len(batches):
            group_size = min(settings.grad_accum, len(batches) - state.micro_batch)
            row = self._train_step(loader, group_size)
            state.micro_batch += group_size
            state.step += 1
            state.metrics.append(
                {
                    "step": state.step,
                    "epoch": state.epoch,
                    "split": "train",
                    "loss": row["loss"],
                    "lr": row["lr"],
                    "pairs_per_s": row["pairs_per_s"],
                }
            )
            on_pairs(row["pairs"])
            if state.step % settings.checkpoint_every == 0 and state.micro_batch < len(batches):
                self._save_state()
                on_checkpoint(state)
        eval_loss = evaluation_loss(self.model, self.eval_set, settings, self.normalise, self.loss_fn, self.device)
        state.metrics.append(
            {
                "step": state.step,
                "epoch": state.epoch,
                "split": "eval",
                "loss": eval_loss,
                "lr": math.nan,
                "pairs_per_s": math.nan,
            }
        )
        if eval_loss < state.best_eval_loss:
            state.best_eval_loss, state.best_epoch = eval_loss, state.epoch
            save_pretrained(self.model, self.encoder.processor, self.outputs.best)
        state.epoch += 1
        state.micro_batch = 0
        self._save_state()
        on_checkpoint(state)
