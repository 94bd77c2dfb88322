"""The vision tower in int8 on ONNX Runtime (`[embedding] cpu_runtime = "onnxruntime"`).

The tower (`get_image_features`: pixel values in, pooled features out) is exported with
`torch.onnx.export` and its matrix products quantised with `onnxruntime.quantization.quantize_dynamic`
(weights int8, activations uint8 per batch): on the 2-core benchmark machine (AMX-INT8, VNNI) it
encoded 3.3–3.8× float32's images per second, PyTorch's dynamic int8 1.8–1.9× (benchmarks/README.md,
`bench_int8_onnx.py`). The
export is cached beside the checkpoint, `<checkpoint>.onnx/vision-int8-<weights hash>.onnx`, so a
retrained checkpoint is exported anew (and its earlier export removed). onnxruntime is an optional extra (`pip install
heritage-weaver[onnx]`); the text tower stays on PyTorch.
"""

from __future__ import annotations

import importlib.util
import logging
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from heritage_weaver.atomic import atomic_path


class _VisionTower(torch.nn.Module):
    """Pixel values → pooled image features of a SigLIP model: what the exporter traces."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.model.get_image_features(pixel_values=pixel_values).pooler_output


def exported_path(location: str, weights_hash: str) -> Path:
    """Where the int8 export of a local checkpoint folder is cached."""
    folder = Path(location)
    if not folder.is_dir():
        raise ValueError(f'cpu_runtime = "onnxruntime" needs a local checkpoint folder, not {location!r}')
    return folder.parent / f"{folder.name}.onnx" / f"vision-int8-{weights_hash[:16]}.onnx"


def export_vision(model: Any, side: int, target: Path) -> Path:
    """Export the float32 vision tower of `model` for `side`-px images, the batch size left dynamic
    (the weights go to `target`.data beside it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's and transformers' tracing notes
        torch.onnx.export(
            _VisionTower(model).eval(),
            (torch.zeros(2, 3, side, side),),
            str(target),
            input_names=["pixel_values"],
            output_names=["image_features"],
            dynamic_shapes=({0: torch.export.Dim("batch")},),
            dynamo=True,
            verbose=False,
        )
    return target


def export_int8_vision(model: Any, side: int, target: Path) -> Path:
    """The vision tower of `model` exported and quantised to `target` (in one rename)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory() as scratch:
        exported = export_vision(model, side, Path(scratch) / "vision.onnx")
        logging.disable(logging.WARNING)  # quantize_dynamic's advice, on the root logger, to pre-process
        try:
            with atomic_path(target) as temporary:
                # QInt8 weights: u8 × s8 is the product VNNI and AMX compute; u8 × u8 measured slower
                quantize_dynamic(str(exported), str(temporary), weight_type=QuantType.QInt8)
        finally:
            logging.disable(logging.NOTSET)
    return target


class OnnxVision:
    """The cached int8 export of a checkpoint's vision tower in an ONNX Runtime session, on
    `threads` intra-op threads: float NCHW pixel values → pooled features (float32)."""

    def __init__(self, path: Path, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # idle threads would otherwise spin after each batch, taking the cores from the image decoders
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, pixel_values: torch.Tensor) -> torch.Tensor:
        pixels = np.ascontiguousarray(pixel_values.detach().cpu().numpy(), dtype=np.float32)
        return torch.from_numpy(self.session.run(None, {"pixel_values": pixels})[0])


def onnx_int8_vision(model: Any, location: str, weights_hash: str, side: int) -> OnnxVision:
    """The int8 vision tower of the checkpoint at `location` on ONNX Runtime, exported on first use."""
    for package in ("onnxruntime", "onnx", "onnxscript"):
        if importlib.util.find_spec(package) is None:
            raise ValueError(f"cpu_runtime = \"onnxruntime\" needs {package}: pip install 'heritage-weaver[onnx]'")
    path = exported_path(location, weights_hash)
    if not path.exists():
        export_int8_vision(model, side, path)
        for stale in path.parent.glob("vision-int8-*.onnx"):  # exports of the checkpoint's earlier weights
            if stale != path:
                stale.unlink(missing_ok=True)
    return OnnxVision(path, torch.get_num_threads())
