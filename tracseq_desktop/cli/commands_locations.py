"""Commands (being written)."""

from __future__ import annotations

from tracseq_desktop.cli.context import CommandRegistry


def register(registry: CommandRegistry) -> None:
    pass
