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
from importlib.metadata import entry_points

from tracseq_desktop import __version__
from tracseq_desktop.cli import commands_inventory, commands_locations, commands_records
from tracseq_desktop.cli.context import CliContext, CommandRegistry, UsageError
from tracseq_desktop.domain.errors import DomainError
from tracseq_desktop.i18n import _

PLUGIN_GROUP = "tracseq.cli"


def build_parser() -> argparse.ArgumentParser:
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
    for module in (commands_inventory, commands_locations, commands_records):
        module.register(registry)
    for entry in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        entry.load()(registry)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
