"""``tracseq-server``: run the central server, or add a user.

tracseq-server --db PATH_OR_URL --port 8080 [--host 127.0.0.1] [--tls-cert FILE --tls-key FILE]
tracseq-server create-user NAME --site SITE --role ROLE [--db ...]   (password on stdin)
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence

from tracseq_desktop.i18n import _

DEFAULT_DB = "tracseq-server.db"


def _serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tracseq-server",
        description=_("TracSeq central server. Subcommand: create-user NAME --site SITE --role ROLE."),
    )
    parser.add_argument("--db", default=DEFAULT_DB, help=_("SQLite file or postgresql+psycopg:// URL"))
    parser.add_argument("--host", default="127.0.0.1", help=_("address to listen on (behind a TLS proxy)"))
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument(
        "--tls-cert", metavar="FILE", help=_("serve HTTPS with this certificate (PEM; else use a TLS proxy)")
    )
    parser.add_argument("--tls-key", metavar="FILE", help=_("the private key of --tls-cert (PEM)"))
    parser.add_argument("--log-level", default="warning")
    return parser


def _user_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tracseq-server create-user", description=_("Add a user; password on stdin."))
    parser.add_argument("name")
    parser.add_argument("--site", action="append", required=True, help=_("site code (repeatable)"))
    parser.add_argument("--role", required=True, choices=["technician", "manager", "admin"])
    parser.add_argument("--db", default=DEFAULT_DB)
    return parser


def read_password(prompt: str) -> str:
    """From the terminal without echo, or the first line of piped stdin."""
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\r\n")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["create-user"]:
        return _create_user(_user_parser().parse_args(arguments[1:]))
    parser = _serve_parser()
    args = parser.parse_args(arguments)
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error(_("--tls-cert and --tls-key go together"))
    import uvicorn

    from tracseq_desktop.server.api import create_app
    from tracseq_desktop.server.db import open_server_database

    db = open_server_database(args.db)
    try:
        uvicorn.run(
            create_app(db),
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            ssl_certfile=args.tls_cert,
            ssl_keyfile=args.tls_key,
        )
    finally:
        db.close()
    return 0


def _create_user(args: argparse.Namespace) -> int:
    from tracseq_desktop.server.api import create_user
    from tracseq_desktop.server.db import open_server_database
    from tracseq_desktop.services.actor import utc_now
    from tracseq_desktop.sync.wire import Role

    password = read_password(_("Password for {name}: ").format(name=args.name))
    if len(password) < 8:
        sys.stderr.write(_("tracseq-server: a password needs at least 8 characters") + "\n")
        return 1
    db = open_server_database(args.db)
    try:
        create_user(db, args.name, password, Role(args.role), args.site, utc_now())
    except ValueError as error:
        sys.stderr.write(f"tracseq-server: {error}\n")
        return 1
    finally:
        db.close()
    sys.stdout.write(
        _("Added {name} ({role}) at {sites}.").format(name=args.name, role=args.role, sites=", ".join(args.site)) + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
