"""`studio keys set|delete SERVICE`: API keys into the OS keyring, never through the command line.

The key is read from the terminal without echo (or from stdin when piped), so it
never lands in the shell's history or in the process list.
"""

from __future__ import annotations

import sys


def add_parsers(sub) -> None:
    keys = sub.add_parser("keys", help="API keys of hosted services, in the OS keyring")
    ksub = keys.add_subparsers(dest="action", required=True)
    for action, text in (("set", "store a key (read from the terminal or stdin)"), ("delete", "forget a key")):
        parser = ksub.add_parser(action, help=text)
        parser.add_argument("service", help='"openai", "elevenlabs" or "openai-compatible:HOST:PORT"')


def run(args, *, stdin=None, out=None) -> int:
    from studio.engines.secrets import delete_key, service_name, set_key

    out = out or sys.stdout
    name = service_name(args.service)
    if args.action == "delete":
        delete_key(args.service)
        print(f"The {name} key is no longer in the keyring.", file=out)
        return 0
    set_key(args.service, _read_key(name, stdin or sys.stdin))
    print(f"The {name} key is in the keyring.", file=out)
    return 0


def _read_key(name: str, stdin) -> str:
    if stdin.isatty():
        import getpass

        return getpass.getpass(f"{name} key (not shown): ")
    return stdin.readline().strip()
