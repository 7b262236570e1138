"""Command-line commands of this device family (filled in by its issue)."""

from __future__ import annotations

from tracseq_desktop.cli.context import CommandRegistry


def register(registry: CommandRegistry) -> None:
    """Add this family's commands to ``tracseq``."""
