"""What every command handler gets: parsed options, output helpers and lazy services."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from tracseq_desktop.services.facade import Services

Handler = Callable[[argparse.Namespace, "CliContext"], "int | None"]


class UsageError(Exception):
    """Bad command-line input the parser could not catch; exits with status 2."""


@dataclass
class CliContext:
    args: argparse.Namespace
    out: TextIO = field(default_factory=lambda: sys.stdout)
    _services: Services | None = None

    @property
    def json(self) -> bool:
        return bool(getattr(self.args, "json", False))

    @property
    def db_path(self) -> Path | None:
        value = getattr(self.args, "db", None)
        return Path(value) if value else None

    def services(self, *, create: bool = False) -> Services:
        """The services on ``--db`` (opened on first use; created only when asked)."""
        if self._services is None:
            from tracseq_desktop.services.facade import open_services

            self._services = open_services(self.db_path, create=create)
        return self._services

    def close(self) -> None:
        if self._services is not None:
            self._services.close()
            self._services = None

    def emit(self, data: Any, text: str | Callable[[], str]) -> None:
        """Print ``data`` as JSON under ``--json``, otherwise the human text."""
        if self.json:
            json.dump(data, self.out, ensure_ascii=False, indent=2, default=str)
            self.out.write("\n")
        else:
            rendered = text() if callable(text) else text
            if rendered:
                self.out.write(rendered.rstrip("\n") + "\n")


class CommandRegistry:
    """Adds subcommands that all accept the common options (``--db``, ``--json``)."""

    def __init__(self, subparsers: Any, common: argparse.ArgumentParser) -> None:
        self._subparsers = subparsers
        self._common = common

    def add(self, name: str, help: str, handler: Handler, **kwargs: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = self._subparsers.add_parser(
            name, help=help, description=help, parents=[self._common], **kwargs
        )
        parser.set_defaults(handler=handler)
        return parser

    def group(self, name: str, help: str) -> CommandRegistry:
        """A command with subcommands of its own, e.g. ``tracseq workflow validate``."""
        parser = self._subparsers.add_parser(name, help=help, description=help, parents=[self._common])
        sub = parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND", required=True)
        return CommandRegistry(sub, self._common)
