"""``ledgerbridge alerts set|show|test``: where a firm's alerts go (email through its SMTP server; the password
in the keychain, read from standard input), and a test message to prove it."""

from __future__ import annotations

import argparse
import sys
import time

from app.alerts import email
from app.alerts.message import test_alert
from app.auth.tokens import TokenStore
from app.commands.common import open_profile_store


def _alerts_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["set", "show", "test"],
                   help="set: where alerts go; show: the settings (never the password); test: send a test email")
    p.add_argument("--smtp-host", default="", help="the SMTP server")
    p.add_argument("--smtp-port", type=int, default=587)
    p.add_argument("--no-starttls", action="store_true", help="send without STARTTLS (a server on this computer)")
    p.add_argument("--smtp-user", default="", help="the SMTP login, if the server asks for one")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the SMTP password from standard input (kept in the keychain, never in the database)")
    p.add_argument("--from", dest="sender", default="", help="the sender address")
    p.add_argument("--to", default="", help="the addresses to alert, separated by commas")


def cmd_alerts(args: argparse.Namespace) -> int:
    store = open_profile_store(args)
    if args.action == "set":
        value = email.EmailSettings(
            host=args.smtp_host, port=args.smtp_port, starttls=not args.no_starttls, user=args.smtp_user,
            sender=args.sender, recipients=tuple(a.strip() for a in args.to.split(",") if a.strip()))
        email.save(store, value)
        if args.password_stdin:
            TokenStore(args.profile).put_secret(email.SECRET_NAME, sys.stdin.readline().rstrip("\n"))
        print(f"Alerts go to {', '.join(value.recipients)} through {value.host}:{value.port}.")
        return 0
    value_or_none = email.load(store)
    if value_or_none is None:
        print("No email alerts are set for this firm: 'ledgerbridge alerts set --smtp-host ... --to ...'.")
        return 2 if args.action == "test" else 0
    value = value_or_none
    if args.action == "show":
        print(f"SMTP {value.host}:{value.port}, {'STARTTLS' if value.starttls else 'no STARTTLS'}, "
              f"user {value.user or '(none)'}; from {value.sender or '(default)'}; to {', '.join(value.recipients)}.")
        return 0
    from app.alerts.after_run import smtp_password

    why = email.send(store, test_alert(time.strftime("%Y-%m-%d %H:%M")), value, smtp_password(args.profile),
                     actor="cli")
    print("Test email sent." if why is None else f"The test email could not be sent: {why}")
    return 0 if why is None else 1
