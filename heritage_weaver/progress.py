"""How a stage tells the person running it what is happening, without printing itself.

Stages take a `Progress` and call `task(...)` for long work (the returned function advances the
task by a count) and `note`/`warn` for remarks. The CLI passes one that draws rich bars; library
callers and tests pass `SILENT` or their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Advance = Callable[[int], None]


class Progress(Protocol):
    def task(self, description: str, total: int | None, unit: str = "items", completed: int = 0) -> Advance:
        """Start a task of `total` items (None: unknown); call the result with each new count done."""
        ...

    def note(self, message: str) -> None:
        """A remark worth a line on the terminal (what was skipped, where the output went)."""
        ...

    def warn(self, message: str) -> None:
        """Something the person should look at; the run goes on."""
        ...


class Silent:
    """A `Progress` that reports nothing."""

    def task(self, description: str, total: int | None, unit: str = "items", completed: int = 0) -> Advance:
        return lambda count: None

    def note(self, message: str) -> None:
        pass

    def warn(self, message: str) -> None:
        pass


SILENT = Silent()
