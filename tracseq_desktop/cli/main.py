"""Entry point of ``tracseq``: parse, dispatch, map errors to exit codes.

Exit codes: 0 success, 1 a domain error (one line on stderr, nothing changed),
2 a usage error. Commands contributed by other packages (device commands from
``hardware``) are found through the ``tracseq.cli`` entry-point group, so the core
never imports them; their modules must import heavy libraries lazily.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from tracseq_desktop import __version__
from tracseq_desktop.cli import (
    commands_inventory,
    commands_locations,
    commands_monitoring,
    commands_records,
    commands_sync,
    commands_workflow,
)
from tracseq_desktop.cli.context import CliContext, CommandRegistry, UsageError
from tracseq_desktop.domain.errors import DomainError
from tracseq_desktop.i18n import _

PLUGIN_GROUP = "tracseq.cli"


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The full parser; device commands are loaded only when ``argv`` may need them."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help=_("database file (default: TRACSEQ_DB or the user data directory)"),
    )
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=_("print machine-readable JSON"))
    parser = argparse.ArgumentParser(
        prog="tracseq", description=_("TracSeq laboratory sample storage."), parents=[common]
    )
    parser.add_argument("--version", action="version", version=f"tracseq {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    registry = CommandRegistry(subparsers, common)
    modules = (commands_inventory, commands_locations, commands_records, commands_monitoring, commands_workflow)
    for module in (*modules, commands_sync):
        module.register(registry)
    if argv is None or _needs_plugins(argv, set(subparsers.choices)):
        from importlib.metadata import entry_points

        for entry in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
            entry.load()(registry)
    return parser


def _needs_plugins(argv: Sequence[str], core_commands: set[str]) -> bool:
    """Scanning installed packages for commands costs ~70 ms; a core command skips it."""
    words = [a for a in argv if not a.startswith("-")]
    if "--db" in argv:  # the value of --db is not a command
        index = list(argv).index("--db")
        if index + 1 < len(argv) and argv[index + 1] in words:
            words.remove(argv[index + 1])
    return not words or words[0] not in core_commands


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(arguments)
    args = parser.parse_args(arguments)
    ctx = CliContext(args)
    try:
        result = args.handler(args, ctx)
        return int(result or 0)
    except DomainError as error:
        print(f"tracseq: {error}", file=sys.stderr)
        return 1
    except UsageError as error:
        parser.exit(2, f"tracseq: {error}\n")
    except KeyboardInterrupt:
        print(_("tracseq: interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `head`) went away: stop quietly, as other Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    finally:
        ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
