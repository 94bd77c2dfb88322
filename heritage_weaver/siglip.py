"""One loader for any SigLIP checkpoint (hub id or local folder) and the encoder it returns.

Embeddings are the pooled image and text features, L2-normalised, as float32 rows.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

TEXT_TOKENS = 64  # SigLIP was trained on texts padded to exactly 64 tokens
WEIGHT_SUFFIXES = (".safetensors", ".bin")


class _DefaultTextConfigWarning(logging.Filter):
    """Drop one spurious transformers warning.

    Printing or saving any SigLIP config diffs it against a default `SiglipTextConfig()`,
    whose own bos/eos ids (49406/49407) lie outside its own 32k vocabulary; transformers
    then warns about the default, not about the checkpoint. Real id mismatches are caught
    by `check_token_ids` instead.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("between 0 and 31999), got 4940" in message and "token_id must be" in message)


logging.getLogger("transformers.configuration_utils").addFilter(_DefaultTextConfigWarning())


def check_token_ids(text_config: Any, tokenizer: Any) -> None:
    """Raise when the checkpoint's pad/eos ids disagree with its tokenizer's or fall outside the vocabulary."""
    vocab = text_config.vocab_size
    for name in ("pad_token_id", "eos_token_id"):
        model_id = getattr(text_config, name)
        tokenizer_id = getattr(tokenizer, name)
        if model_id is not None and not 0 <= model_id < vocab:
            raise ValueError(f"text_config.{name} = {model_id} is outside the vocabulary (size {vocab})")
        if model_id is not None and tokenizer_id is not None and model_id != tokenizer_id:
            raise ValueError(f"text_config.{name} = {model_id} but the tokenizer's is {tokenizer_id}")


def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def autocast(device: str) -> torch.autocast:
    """bf16 autocast on CUDA; a no-op context elsewhere."""
    enabled = str(device).startswith("cuda")
    return torch.autocast(device_type="cuda" if enabled else "cpu", dtype=torch.bfloat16, enabled=enabled)


def default_batch_size(device: str) -> int:
    """Units per forward pass: large on a GPU, modest on CPU where memory bandwidth limits."""
    return 512 if str(device).startswith("cuda") else 32


def weight_files(location: str) -> list[Path]:
    """The weight files of a checkpoint folder, or of a hub id's cached snapshot."""
    folder = Path(location)
    if not folder.is_dir():
        from transformers.utils import cached_file

        for name in ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin"):
            resolved = cached_file(location, name, _raise_exceptions_for_missing_entries=False)
            if resolved is not None:
                folder = Path(resolved).parent
                break
        else:
            return []
    return sorted(p for p in folder.iterdir() if p.suffix in WEIGHT_SUFFIXES)


def weights_hash(location: str) -> str:
    """Short sha256 over the checkpoint's weight files (names and contents)."""
    digest = hashlib.sha256()
    for path in weight_files(location):
        digest.update(path.name.encode())
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 22), b""):
                digest.update(chunk)
    return digest.hexdigest()[:16]


def _normalised(features: torch.Tensor) -> np.ndarray:
    features = features.float()
    features = features / features.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    return features.cpu().numpy().astype(np.float32, copy=False)


@dataclass
class SiglipEncoder:
    """A loaded SigLIP model with its processor; encodes images and texts to unit vectors."""

    model: Any
    processor: Any
    device: str
    model_id: str
    weights_hash: str
    dtype: str

    def pixel_values(self, images: list) -> torch.Tensor:
        """Preprocess PIL images (resize, rescale, normalise); CPU only, safe in workers."""
        rgb = [image if image.mode == "RGB" else image.convert("RGB") for image in images]
        return self.processor.image_processor(images=rgb, return_tensors="pt")["pixel_values"]

    def token_ids(self, texts: list[str]) -> torch.Tensor:
        """Token ids padded to exactly 64 with the pad token, truncated beyond, as SigLIP expects."""
        return self.processor.tokenizer(
            list(texts), padding="max_length", max_length=TEXT_TOKENS, truncation=True, return_tensors="pt"
        )["input_ids"]

    def encode_pixels(self, pixel_values: torch.Tensor) -> np.ndarray:
        with torch.inference_mode(), autocast(self.device):
            output = self.model.get_image_features(pixel_values=pixel_values.to(self.device))
        return _normalised(output.pooler_output)

    def encode_images(self, images: list) -> np.ndarray:
        return self.encode_pixels(self.pixel_values(images))

    def encode_token_ids(self, input_ids: torch.Tensor) -> np.ndarray:
        # No attention mask: SigLIP pools the last (padding) position and was trained without one.
        with torch.inference_mode(), autocast(self.device):
            output = self.model.get_text_features(input_ids=input_ids.to(self.device))
        return _normalised(output.pooler_output)

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        return self.encode_token_ids(self.token_ids(texts))


def load_siglip(location: str, device: str | None = None) -> SiglipEncoder:
    """Load a SigLIP checkpoint by hub id or local folder, ready for inference."""
    from transformers import AutoModel, AutoProcessor
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # our own bars report progress
    location = str(location)
    device = device or default_device()
    model = AutoModel.from_pretrained(location).to(device).eval()
    processor = AutoProcessor.from_pretrained(location)
    check_token_ids(model.config.text_config, processor.tokenizer)
    return SiglipEncoder(
        model=model,
        processor=processor,
        device=device,
        model_id=location,
        weights_hash=weights_hash(location),
        dtype="bfloat16" if device.startswith("cuda") else "float32",
    )
