"""The sampler's strip passes as Ray tasks: a `MapStrips` (sampler.selection) for `run_sample`.

Ray is imported only when a map runs, so nothing else in the sampler needs it. Connect first
(`ray.init(address=...)`); without a connection Ray starts a local instance on first use.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from typing import Any, TypeVar

import numpy as np
import torch

Strip = TypeVar("Strip")
Result = TypeVar("Result")


def _apply(function: Callable[[Any], Any], strip: Any) -> Any:
    return function(strip)


def _tensor_of(array: np.ndarray) -> torch.Tensor:
    with warnings.catch_warnings():  # the object store's buffers are read-only; tasks never write the vectors
        warnings.simplefilter("ignore", UserWarning)
        return torch.from_numpy(array)


@cache
def _remote_apply() -> Any:
    import ray

    return ray.remote(_apply)


def ray_map(function: Callable[[Strip], Result], strips: Sequence[Strip]) -> Iterator[Result]:
    """`function(strip)` for every strip, one Ray task each, yielded as the tasks finish (any order).

    The function (with what it holds: the sides' vectors) goes into the object store once per map,
    not once per task; each task takes one CPU. CPU tensors travel as numpy arrays (registered here
    for this connection), which tasks read in place from the object store instead of unpickling a
    copy each: treat the tensors a task receives as read-only.
    """
    import ray

    ray.util.register_serializer(torch.Tensor, serializer=torch.Tensor.numpy, deserializer=_tensor_of)
    shared = ray.put(function)
    pending = [_remote_apply().remote(shared, strip) for strip in strips]
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        yield ray.get(done[0])
