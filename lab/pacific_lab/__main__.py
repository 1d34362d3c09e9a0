"""python3 -m pacific_lab up | down | reset | status | serve (see lab/README.md)."""

import argparse
import sys

from . import lifecycle
from .config import LabError, Settings
from .labserver import serve


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m pacific_lab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="start the lab in the background (no-op when it runs)")
    commands.add_parser("down", help="stop the lab (no-op when it is down)")
    commands.add_parser("status", help="print the endpoints; exit 1 when the lab is down")
    commands.add_parser("serve", help="run the lab in the foreground")
    reset = commands.add_parser("reset", help="fresh inventory, empty request log")
    reset.add_argument("--clusters", type=int, help="default: the size the lab started with")
    reset.add_argument("--hosts", type=int, help="hosts per cluster")
    args = parser.parse_args(argv)

    try:
        if args.command == "up":
            lifecycle.up()
        elif args.command == "down":
            lifecycle.down()
        elif args.command == "status":
            return 0 if lifecycle.status() else 1
        elif args.command == "reset":
            lifecycle.reset(args.clusters, args.hosts)
        else:
            serve(Settings.from_env())
    except LabError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
