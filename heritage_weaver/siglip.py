"""One loader for any SigLIP checkpoint (hub id or local folder) and the encoder it returns.

Embeddings are the pooled image and text features, L2-normalised, as float32 rows. For inference
on CUDA the weights are cast to bfloat16 (vectors then differ from float32 ones, and from a re-encode
at another batch size, by a few 1e-3 per component: `vector_tolerance`); on the CPU they stay float32,
unless `cpu_precision = "int8"` asks for dynamic int8 quantisation of the linear layers of both towers
(in memory only: the checkpoint and the vectors stay float32); with `cpu_runtime = "onnxruntime"`
the int8 vision tower runs on ONNX Runtime instead (`onnx_vision`).
Images are resized to 8-bit RGB on the CPU (`PixelRecipe.resize`, safe in DataLoader workers) and
rescaled and normalised on the model's device (`PixelRecipe.normalise`), which is what the
checkpoint's image processor does, split where the bytes are fewest.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import urllib.request
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import torch
from PIL import Image

TEXT_TOKENS = 64  # SigLIP was trained on texts padded to exactly 64 tokens
WEIGHT_SUFFIXES = (".safetensors", ".bin")
CPU_PRECISIONS = ("float32", "int8")
CPU_RUNTIMES = ("torch", "onnxruntime")  # what runs the int8 vision tower


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


# Largest difference per vector component expected between two encodings of one input (other batch
# size, other device or kernel) with this compute dtype. bfloat16: up to 3.1e-3 against float32 and
# 1.2e-3 between batch sizes 16 and 1 measured in bf16 on the CPU (tiny and base-shaped SigLIP),
# ~3e-3 between batch sizes on an H100; 1e-2 leaves room for other kernels. int8 (dynamic
# quantisation on the CPU): up to 1.4e-2 against float32 on the tiny SigLIP (64-d vectors) and
# 5.3e-3 on the base shape (768-d), random weights; 3e-2 leaves room for other inputs.
VECTOR_TOLERANCE = {"float32": 1e-5, "bfloat16": 1e-2, "int8": 3e-2}


def vector_tolerance(*compute_dtypes: str) -> float:
    """The tolerance for comparing vectors encoded with these compute dtypes (the loosest applies)."""
    return max(VECTOR_TOLERANCE[dtype] for dtype in compute_dtypes)


def default_batch_size(device: str) -> int:
    """Units per forward pass when `embedding.batch_size` is unset: 512 on a GPU, 32 on the CPU
    (where memory bandwidth, not the batch, limits)."""
    return 512 if str(device).startswith("cuda") else 32


@lru_cache(maxsize=16)
def _per_channel(values: tuple[float, ...], device: str) -> torch.Tensor:
    """A (1, C, 1, 1) float32 tensor on `device`, made once (a copy per batch would wait for the GPU)."""
    return torch.tensor(values, dtype=torch.float32, device=device).view(1, -1, 1, 1)


def _rgb(values: Iterable[float]) -> tuple[float, float, float]:
    red, green, blue = (float(v) for v in values)
    return red, green, blue


@dataclass(frozen=True)
class PixelRecipe:
    """A SigLIP image processor's steps: resize (on the CPU, to 8-bit RGB), then rescale and normalise.

    `resize` gives the uint8 HWC array the processor resizes to (Pillow, the processor's resample
    filter); `normalise` turns a uint8 NHWC batch into the float NCHW pixel values it would give,
    on any device, within float32 rounding of the processor's own output.
    """

    height: int
    width: int
    resample: int
    scale: float
    mean: tuple[float, float, float]
    std: tuple[float, float, float]

    @classmethod
    def of(cls, image_processor: Any) -> PixelRecipe:
        """The recipe of a processor that resizes to a fixed height × width; ValueError for any other."""
        size = dict(getattr(image_processor, "size", None) or {})
        if not getattr(image_processor, "do_resize", False) or not {"height", "width"} <= set(size):
            raise ValueError(f"the image processor must resize to a fixed height and width, got size {size}")
        if getattr(image_processor, "do_center_crop", False) or getattr(image_processor, "do_pad", False):
            raise ValueError("image processors that crop or pad are not supported")
        normalise = bool(image_processor.do_normalize)
        return cls(
            height=int(size["height"]),
            width=int(size["width"]),
            resample=int(getattr(image_processor, "resample", None) or Image.Resampling.BICUBIC),
            scale=float(image_processor.rescale_factor) if image_processor.do_rescale else 1.0,
            mean=_rgb(image_processor.image_mean) if normalise else (0.0, 0.0, 0.0),
            std=_rgb(image_processor.image_std) if normalise else (1.0, 1.0, 1.0),
        )

    @property
    def draft_size(self) -> int:
        """The side a JPEG may be decoded down to (by a power of two) before resizing."""
        return max(self.height, self.width)

    def resize(self, image: Image.Image) -> np.ndarray:
        """An RGB picture resized to height × width × 3 uint8."""
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        return np.asarray(rgb.resize((self.width, self.height), self.resample), dtype=np.uint8)

    def batch(self, images: list[Image.Image]) -> torch.Tensor:
        """Pictures resized and stacked into one uint8 NHWC tensor."""
        if not images:
            return torch.empty((0, self.height, self.width, 3), dtype=torch.uint8)
        return torch.from_numpy(np.stack([self.resize(image) for image in images]))

    def normalise(self, images: torch.Tensor, device: str, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """uint8 NHWC (on any device) → normalised NCHW pixel values on `device`, computed in
        float32, then cast to `dtype`. The copy is non-blocking (from pinned memory it overlaps)."""
        mean, std = _per_channel(self.mean, str(device)), _per_channel(self.std, str(device))
        # NCHW made contiguous while still 8-bit, then in place: 3x faster on a CPU than strided float ops
        pixels = images.to(device, non_blocking=True).permute(0, 3, 1, 2).contiguous().float().mul_(self.scale)
        return pixels.sub_(mean).div_(std).to(dtype)


HUB_PROBE_SECONDS = 3.0  # a hub that accepts no connection within this time is taken as unreachable


class ModelUnavailable(OSError):
    """A checkpoint that cannot be loaded here; the message says how to make it available."""


def hub_problem(endpoint: str, timeout: float = HUB_PROBE_SECONDS) -> str | None:
    """Why the hub at `endpoint` (a URL) cannot be reached: its host does not resolve or accepts no
    TCP connection within `timeout` seconds; None when a connection opens (and is closed at once).
    Where the environment names a proxy for the endpoint's scheme (HTTPS_PROXY, …; not bypassed by
    NO_PROXY), the proxy is what a request connects to first, so it is the proxy that is tried."""
    parts = urlsplit(endpoint)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(parts.hostname or ""):
        target, through = urlsplit(proxy if "://" in proxy else f"http://{proxy}"), f" through the proxy {proxy}"
    else:
        target, through = parts, ""
    port = target.port or (443 if target.scheme == "https" else 80)
    try:
        socket.create_connection((target.hostname or "", port), timeout=timeout).close()
    except OSError as error:
        return f"cannot connect to {endpoint}{through} ({error or type(error).__name__})"
    return None


def _unavailable(location: str, why: str) -> ModelUnavailable:
    return ModelUnavailable(
        f"model {location!r} is not on this machine and {why}. Download it once where the hub can be "
        f"reached (`hf download {location} --local-dir FOLDER`), copy the folder here and point the study's "
        "[models] entry at it (a new study: `hw init DIR --base-model FOLDER`)"
    )


def local_files_only(location: str) -> bool:
    """Whether `location` loads from this machine's files alone; raises ModelUnavailable, at once
    and without retries, when it cannot be loaded at all.

    A folder loads from itself; a path (absolute, or starting with `.`) that is no folder is
    unavailable. A hub id loads from the hub, unless HF_HUB_OFFLINE is set or the hub (HF_ENDPOINT)
    accepts no connection within HUB_PROBE_SECONDS (`hub_problem`): then it loads from the hub's
    local cache, and an id not in the cache is unavailable.
    """
    from huggingface_hub import constants, try_to_load_from_cache

    if Path(location).is_dir():
        return True
    if Path(location).is_absolute() or location.startswith("."):
        raise ModelUnavailable(
            f"no checkpoint folder at {location} (`hw model tiny` builds one offline; `hw train` writes the "
            "fine-tuned ones)"
        )
    offline = os.environ.get("HF_HUB_OFFLINE", "").upper() in ("1", "ON", "YES", "TRUE") or constants.HF_HUB_OFFLINE
    why = "HF_HUB_OFFLINE is set" if offline else hub_problem(constants.ENDPOINT)
    if why is None:
        return False
    if not isinstance(try_to_load_from_cache(location, "config.json"), str):
        raise _unavailable(location, why)
    return True


def weight_files(location: str) -> list[Path]:
    """The weight files of a checkpoint folder, or of a hub id's cached snapshot."""
    folder = Path(location)
    if not folder.is_dir():
        from huggingface_hub import try_to_load_from_cache

        for name in ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin"):
            resolved = try_to_load_from_cache(location, name)  # the cache only: never the network
            if isinstance(resolved, str):
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
    dtype: (
        str  # the compute dtype: "bfloat16" on CUDA (weights for inference, autocast for training), "int8" or "float32"
    )
    pixels: PixelRecipe
    vision: Callable[[torch.Tensor], torch.Tensor] | None = None  # pixel values → pooled features, else the model's

    @property
    def weights_dtype(self) -> torch.dtype:
        return next(self.model.parameters()).dtype

    def pixel_values(self, images: list) -> torch.Tensor:
        """Preprocess PIL images with the checkpoint's own image processor (float NCHW, on the CPU)."""
        rgb = [image if image.mode == "RGB" else image.convert("RGB") for image in images]
        return self.processor.image_processor(images=rgb, return_tensors="pt")["pixel_values"]

    def token_ids(self, texts: list[str]) -> torch.Tensor:
        """Token ids padded to exactly 64 with the pad token, truncated beyond, as SigLIP expects."""
        return self.processor.tokenizer(
            list(texts), padding="max_length", max_length=TEXT_TOKENS, truncation=True, return_tensors="pt"
        )["input_ids"]

    def encode_uint8(self, images: torch.Tensor) -> np.ndarray:
        """Unit vectors of a uint8 NHWC batch already resized (`pixels.batch`), normalised on the device."""
        pixel_values = self.pixels.normalise(images, self.device, self.weights_dtype)
        with torch.inference_mode():
            if self.vision is not None:
                return _normalised(self.vision(pixel_values))
            output = self.model.get_image_features(pixel_values=pixel_values)
        return _normalised(output.pooler_output)

    def encode_images(self, images: list) -> np.ndarray:
        return self.encode_uint8(self.pixels.batch(images))

    def encode_token_ids(self, input_ids: torch.Tensor) -> np.ndarray:
        # No attention mask: SigLIP pools the last (padding) position and was trained without one.
        with torch.inference_mode():
            output = self.model.get_text_features(input_ids=input_ids.to(self.device, non_blocking=True))
        return _normalised(output.pooler_output)

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        return self.encode_token_ids(self.token_ids(texts))


def compute_dtype(device: str, cpu_precision: str = "float32") -> str:
    """The dtype `load_siglip` computes in for inference on `device`: bfloat16 on CUDA, else
    `cpu_precision` (float32 or int8)."""
    return "bfloat16" if str(device).startswith("cuda") else cpu_precision


def quantised_int8(model: Any) -> Any:
    """The model with every `nn.Linear` of both towers replaced by a dynamically quantised int8 one
    (weights int8 per tensor, activations quantised per batch), for inference on the CPU.

    Attention's score products, layer norms, the patch embedding and the attention-pooling
    head's output projection stay float32, as dynamic quantisation leaves them."""
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():  # torch deprecates torch.ao.quantization in favour of torchao
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=r"torch\.quantize_per_tensor", category=UserWarning)
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def load_processor(location: str, local_only: bool | None = None) -> Any:
    """A checkpoint's processor (tokenizer and image processor) without its weights; from this
    machine's files alone when `local_only` (default: as `local_files_only` says)."""
    from transformers import AutoProcessor

    location = str(location)
    local_only = local_files_only(location) if local_only is None else local_only
    return AutoProcessor.from_pretrained(location, local_files_only=local_only)


def load_siglip(
    location: str,
    device: str | None = None,
    training: bool = False,
    cpu_precision: str = "float32",
    cpu_runtime: str = "torch",
) -> SiglipEncoder:
    """Load a SigLIP checkpoint by hub id or local folder, in eval mode.

    For inference on CUDA the weights are cast to bfloat16; with `training` they stay float32
    (the training step runs under bf16 autocast). On the CPU they stay float32, or, for inference
    with `cpu_precision="int8"`, the linear layers are quantised (`quantised_int8`), and with
    `cpu_runtime="onnxruntime"` too, the vision tower runs as a cached int8 ONNX export
    (`onnx_vision.onnx_int8_vision`).
    """
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # our own bars report progress
    location = str(location)
    device = device or default_device()
    local_only = local_files_only(location)
    model = AutoModel.from_pretrained(location, local_files_only=local_only).to(device).eval()
    if cpu_precision not in CPU_PRECISIONS:
        raise ValueError(f"cpu_precision must be one of {list(CPU_PRECISIONS)}, got {cpu_precision!r}")
    if cpu_runtime not in CPU_RUNTIMES:
        raise ValueError(f"cpu_runtime must be one of {list(CPU_RUNTIMES)}, got {cpu_runtime!r}")
    if training:
        cpu_precision = "float32"
    if device.startswith("cuda") and not training:
        model = model.to(torch.bfloat16)
    processor = load_processor(location, local_only)
    check_token_ids(model.config.text_config, processor.tokenizer)
    pixels = PixelRecipe.of(processor.image_processor)
    checkpoint_hash = weights_hash(location)
    vision = None
    if compute_dtype(device, cpu_precision) == "int8":
        if cpu_runtime == "onnxruntime":
            from heritage_weaver.onnx_vision import onnx_int8_vision

            vision = onnx_int8_vision(model, location, checkpoint_hash, pixels.height)
        model = quantised_int8(model)
    return SiglipEncoder(
        model=model,
        processor=processor,
        device=device,
        model_id=location,
        weights_hash=checkpoint_hash,
        dtype=compute_dtype(device, cpu_precision),
        pixels=pixels,
        vision=vision,
    )
