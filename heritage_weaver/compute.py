"""Where a verb's work runs: the engine a run uses, and the Ray instance of a Ray run.

`hw embed` and `hw sample` run on the `local` engine (this process) or on `ray`; the choice is
the verb's `--engine`, else `$HW_ENGINE`, else `compute.engine` of study.toml.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from heritage_weaver.config import StudyConfig
from heritage_weaver.config_sections import ENGINES, ComputeConfig

ENGINE_VARIABLE = "HW_ENGINE"


class ComputeError(ValueError):
    """The engine asked for does not exist; the message names who asked."""


def cpu_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, which containers and `taskset` narrow)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def chosen_engine(config: StudyConfig, engine: str | None = None) -> tuple[str, str]:
    """The engine of this run and what chose it: `engine` (a verb's `--engine`), else
    `$HW_ENGINE`, else `compute.engine`."""
    if engine is not None:
        source = "--engine"
    elif os.environ.get(ENGINE_VARIABLE):
        engine, source = os.environ[ENGINE_VARIABLE], f"${ENGINE_VARIABLE}"
    else:
        engine, source = config.compute.engine, "compute.engine"
    if engine not in ENGINES:
        raise ComputeError(f"{source} = {engine!r}: the engine must be one of {list(ENGINES)}")
    return engine, source


@dataclass(frozen=True)
class RaySession:
    """The Ray instance a run uses: what it offers and how it was found."""

    cpus: int
    gpus: float
    origin: str  # "private" (started for this run), "joined" (this process was already connected) or the address


@contextmanager
def ray_session(compute: ComputeConfig) -> Iterator[RaySession]:
    """Ray for one run, left as it was found.

    A process already connected to Ray (a notebook, a test) keeps its instance. Otherwise a
    private instance of `compute.cpu_workers` CPUs is started (or the cluster at
    `compute.ray_address` joined) and shut down (or left) on exit, also on error. Ray logs
    errors only, sends no usage statistics and starts no dashboard.
    """
    import ray
    import ray.data

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # offline: no report to the Ray project
    connect = not ray.is_initialized()
    if connect:
        quiet: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.ERROR}
        if compute.ray_address is None:
            ray.init(num_cpus=compute.cpu_workers or os.cpu_count() or 1, include_dashboard=False, **quiet)
        else:
            ray.init(address=compute.ray_address, **quiet)
    try:
        ray.data.DataContext.get_current().enable_progress_bars = False  # the driver reports committed blocks
        logging.getLogger("ray.data").setLevel(logging.ERROR)
        resources = ray.cluster_resources()
        origin = "joined" if not connect else compute.ray_address or "private"
        yield RaySession(int(resources.get("CPU", 0)), float(resources.get("GPU", 0)), origin)
    finally:
        if connect:
            ray.shutdown()
