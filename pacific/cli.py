# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The ``pacific`` command: validate, plan, apply, destroy and show the platform of one topology file.

The live platform is the state: every command reads it with the engine's
batched reads (one session per endpoint), plans from it and, for apply and
destroy, carries the plan out in dependency order, independent objects at
once. What a topology manages is marked in the platform under its name
(``engine.ownership``); apply and destroy hold its lock in vCenter while
they change anything (``resources.platform_lock``), plan takes none.
Options take one dash or two (``-auto-approve``, ``--auto-approve``).
Exit codes: 0 success, 1 error; ``plan -detailed-exitcode``: 0 no changes,
1 error, 2 changes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from ansible_collections.pacific.vsphere.plugins.module_utils.bounds import MAX_PARALLELISM, MAX_WAIT_SECONDS
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import RestClient
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import ABSENT, KINDS, PRESENT, desired_specs
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.executor import DEFAULT_PARALLELISM, FAILED, SKIPPED, done_summary, item_results
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.graph import closure
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.ownership import Ownership
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.planner import apply_plan, make_plan
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.render import (
    UI_VERSION,
    event_json_line,
    json_line,
    plan_json_lines,
    plan_text,
    progress_line,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.run import check_references, engine_run, platform_locked
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import PacificError
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.platform_lock import PlatformLock
from ansible_collections.pacific.vsphere.plugins.module_utils.topology import TopologyError, validate

import pacific  # noqa: F401  (makes the engine importable)
from pacific import plan_file
from pacific.topology_file import TopologyFile

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2


class Output:
    """Where a command writes: text (colored unless -no-color or NO_COLOR) or, with -json, one JSON object a line."""

    def __init__(self, args, stream=None):
        self.stream = stream or sys.stdout
        self.json = getattr(args, "json", False)
        self.color = not (getattr(args, "no_color", False) or os.environ.get("NO_COLOR")) and self.stream.isatty()

    def text(self, text=""):
        if not self.json:
            print(text, file=self.stream, flush=True)

    def line(self, line):
        print(line, file=self.stream, flush=True)

    def warning(self, message):
        if self.json:
            self.line(json_line("diagnostic", message, diagnostic={"severity": "warning", "summary": message, "detail": ""}))
        else:
            print(f"Warning: {message}", file=sys.stderr, flush=True)

    def error(self, message):
        if self.json:
            self.line(json_line("diagnostic", message, diagnostic={"severity": "error", "summary": message, "detail": ""}))
        else:
            print(f"Error: {message}", file=sys.stderr, flush=True)


# -- the commands -------------------------------------------------------------------------------


def validate_command(args, out):
    topology_file = TopologyFile(args.file, variables=args.var)
    with RestClient(topology_file.connection) as rest:
        validate(topology_file.topology, rest)
    out.text("Success! The topology is valid.")
    return EXIT_OK


def plan_command(args, out):
    topology_file = TopologyFile(args.file, variables=args.var)
    operation = "destroy" if args.destroy else "apply"
    with _run(args, topology_file) as context:
        plan = _plan(args, out, topology_file, operation, context).plan
    _show_plan(out, plan, "plan")
    if args.out:
        plan_file.write(args.out, plan, topology_file=topology_file, operation=operation, targets=args.target, replace=args.replace, adopt=args.adopt)
        out.text(f"\nSaved the plan to: {args.out}\nTo perform exactly these actions, run: pacific apply {args.out}")
    if args.detailed_exitcode and plan.changed:
        return EXIT_CHANGES
    return EXIT_OK


def apply_command(args, out, *, operation="apply"):
    if args.plan_file:
        record, saved = plan_file.read(args.plan_file)
        args.file, args.target, operation = record["topology_file"], record["targets"], record["operation"]
        args.replace, args.adopt = record["replace"], record["adopt"]
    topology_file = TopologyFile(args.file, variables=args.var)
    with _run(args, topology_file) as context:
        plan = _plan(args, out, topology_file, operation, context).plan
        if args.plan_file:
            plan_file.check_current(args.plan_file, record, saved, topology_file, plan)
        _show_plan(out, plan, operation)
        if not plan.changed:
            return EXIT_OK
        if not (args.plan_file or args.auto_approve or _approved(out, operation)):
            out.text(f"\n{operation.capitalize()} cancelled.")
            return EXIT_ERROR
        # The lock is taken only for a change, so a refused plan changes nothing; under it the plan is made
        # again, and what runs is what was shown, or nothing if the platform moved in between.
        with platform_locked(context, operation, timeout=args.lock_timeout, on_notice=out.warning):
            platform_plan = _planned(args, topology_file, operation, context.fresh())
            plan_file.check_unchanged(plan, platform_plan.plan, "the plan shown")
            plan = platform_plan.plan
            out.text()
            events = (lambda event: out.line(event_json_line(event))) if out.json else (lambda event: out.text(progress_line(event)))
            outcome = apply_plan(platform_plan, parallelism=args.parallelism, on_event=events)
    results = item_results(plan, outcome)
    counts = done_summary(results)
    done = "Destroy" if operation == "destroy" else "Apply"
    failures = [result for result in results if result.status == FAILED]
    if failures:
        for result in failures:
            out.error(f"{result.item.address}: {result.error}")
        skipped = [result.item.address for result in results if result.status == SKIPPED]
        if skipped:
            out.text(f"Not attempted, since what they need failed: {', '.join(skipped)}")
        out.text(f"\n{done} failed. What finished stays finished; run again to carry on from the live state.")
        return EXIT_ERROR
    if out.json:
        out.line(json_line("change_summary", f"{done} complete!", changes={**_json_counts(counts), "operation": operation}))
    elif operation == "destroy":
        out.text(f"\nDestroy complete! Resources: {counts['destroy']} destroyed.")
    else:
        adopted = f"{counts['adopt']} adopted, " if counts["adopt"] else ""
        out.text(f"\nApply complete! Resources: {adopted}{counts['add']} added, {counts['change']} changed, {counts['destroy']} destroyed.")
    return EXIT_OK


def destroy_command(args, out):
    args.plan_file, args.replace, args.adopt = None, [], False
    return apply_command(args, out, operation="destroy")


def force_unlock_command(args, out):
    topology_file = TopologyFile(args.file, variables=args.var)
    topology = topology_file.topology["name"]
    with RestClient(topology_file.connection) as rest:
        lock = PlatformLock(rest, topology)
        holder = lock.holder()
        if holder is None or holder.ID != args.lock_id:
            lock.force_unlock(args.lock_id)  # raises, saying who holds it
        if not args.force:
            out.text(f"Do you really want to force-unlock topology {topology}?\n  Held by {holder.text()}\n  Only 'yes' will be accepted to confirm.\n")
            if _answer() != "yes":
                out.text("force-unlock cancelled.")
                return EXIT_ERROR
        lock.force_unlock(args.lock_id)
    out.text(f"Pacific has been successfully unlocked! The lock {args.lock_id} of topology {topology} is released.")
    return EXIT_OK


def show_command(args, out):
    if args.plan_file:
        record, saved = plan_file.read(args.plan_file)
        if out.json:
            out.line(json.dumps(dict(record, plan=saved.to_json()), sort_keys=True))
        else:
            out.text(f"Saved plan to {record['operation']} {record['topology_file']} on vCenter {record['vcenter']}:\n")
            out.text(plan_text(saved, color=out.color))
        return EXIT_OK
    if not args.file:
        raise PacificError("show: give -f TOPOLOGY (the live state of what it describes) or a plan file")
    topology_file = TopologyFile(args.file, variables=args.var)
    with _run(args, topology_file) as context:
        platform_plan = _plan(args, out, topology_file, "apply", context)
    resources = {address: planned.view for address, planned in platform_plan.planned.items()}
    if out.json:
        out.line(json.dumps({"format_version": UI_VERSION, "resources": resources}, sort_keys=True))
    else:
        for address, view in resources.items():
            out.text(f"# {address}" + ("" if view is not None else ": does not exist"))
            if view is not None:
                out.text(json.dumps(view, indent=2, sort_keys=True))
    return EXIT_OK


# -- shared steps -------------------------------------------------------------------------------


def _run(args, topology_file):
    """The engine run of a command: one session per endpoint, held from the first read to the last change."""
    # Plans predict, as check mode does; what a prediction stood in for is planned again when applied.
    ownership = Ownership(topology_file.topology["name"], adopt=getattr(args, "adopt", False))
    return engine_run(topology_file.connection, login_port=args.login_port, predicting=True, ownership=ownership)


def _plan(args, out, topology_file, operation, context):
    """The command's plan, after what a user is told first (targeting, the JSON version line)."""
    if args.target:
        out.text(
            "Warning: Resource targeting is in effect: the plan covers "
            + ", ".join(args.target)
            + " and what they depend on; the rest of the topology is left out.\n"
        )
    if out.json:
        out.line(json_line("version", f"pacific {pacific.__version__}", pacific=pacific.__version__, ui=UI_VERSION))
    return _planned(args, topology_file, operation, context)


def _planned(args, topology_file, operation, context):
    desired = desired_specs(topology_file.topology, state=ABSENT if operation == "destroy" else PRESENT, secrets=topology_file.secrets)
    if args.target:
        desired = _targeted(desired, args.target)
    subject = {"topology": topology_file.digest, "vcenter": topology_file.connection.endpoint}
    # A targeted run covers some objects, not whole kinds: what the file leaves out is not looked for as removed.
    covered = () if args.target else KINDS
    check_references(topology_file.topology, context)
    return make_plan(desired, context, subject=subject, replace_addresses=getattr(args, "replace", []), kinds=covered)


def _targeted(desired, targets):
    by_address = {each.address: each for each in desired}
    unknown = [target for target in targets if target not in by_address]
    if unknown:
        raise PacificError(f"-target: {', '.join(unknown)} is not an address of the topology (addresses: {', '.join(by_address)})")
    wanted = closure(targets, lambda address: [parent for parent in by_address[address].depends_on if parent in by_address])
    return [each for each in desired if each.address in wanted]


def _show_plan(out, plan, operation):
    if out.json:
        for line in plan_json_lines(plan, operation=operation):
            out.line(line)
        return
    out.text(plan_text(plan, color=out.color))


def _approved(out, operation):
    question = "Do you really want to destroy everything the topology manages?" if operation == "destroy" else "Do you want to perform these actions?"
    out.text(f"\n{question}\n  Pacific will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n")
    return _answer() == "yes"


def _answer():
    try:
        return input("  Enter a value: ").strip()
    except EOFError:
        return ""


def _json_counts(counts):
    return {"add": counts["add"], "change": counts["change"], "import": counts["adopt"], "remove": counts["destroy"]}


# -- arguments ----------------------------------------------------------------------------------


def _variable(text):
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"'{text}' is not NAME=VALUE")
    return name, value


def _flag(parser, name, **options):
    """An option spelled both ``-name`` and ``--name``."""
    parser.add_argument(f"-{name}", f"--{name}", **options)


def _common(parser, *, file_required=True):
    _flag(parser, "help", action="help", help="show this help and exit")
    parser.add_argument("-f", "-file", "--file", required=file_required, metavar="TOPOLOGY", help="the topology file (YAML)")
    _flag(parser, "no-color", dest="no_color", action="store_true", help="no colors in the output (also NO_COLOR)")
    _flag(parser, "json", action="store_true", help="one JSON object a line, as Terraform's machine-readable UI")
    _flag(parser, "login-port", dest="login_port", type=_bounded(1, 65535), default=443, metavar="PORT", help="port of the Supervisors' /wcp/login (443)")
    _flag(parser, "var", action="append", type=_variable, default=[], metavar="NAME=VALUE", help="the value of {var: NAME} references (or PACIFIC_VAR_NAME)")


def _duration(text):
    """Seconds of ``30s``, ``5m``, ``1h`` or a plain number of seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    number, unit = (text[:-1], units[text[-1]]) if text and text[-1] in units else (text, 1)
    try:
        seconds = float(number) * unit
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a duration such as 30s, 5m or 1h") from None
    if not 0 <= seconds <= MAX_WAIT_SECONDS:  # also refuses nan
        raise argparse.ArgumentTypeError(f"'{text}' is out of range: give from 0s to {MAX_WAIT_SECONDS // 3600}h")
    return seconds


def _bounded(minimum, maximum):
    """An argparse type: an integer from ``minimum`` to ``maximum``."""

    def integer(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not an integer") from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"{value} is out of range: give from {minimum} to {maximum}")
        return value

    return integer


def _locking(parser):
    _flag(
        parser,
        "lock-timeout",
        dest="lock_timeout",
        type=_duration,
        default=0.0,
        metavar="DURATION",
        help="wait this long for the topology's lock (0s: fail at once)",
    )


def _planning(parser):
    _flag(parser, "target", action="append", default=[], metavar="ADDRESS", help="plan only ADDRESS and what it depends on (repeatable)")
    _flag(
        parser,
        "parallelism",
        type=_bounded(1, MAX_PARALLELISM),
        default=DEFAULT_PARALLELISM,
        metavar="N",
        help=f"objects changed at once ({DEFAULT_PARALLELISM}, at most {MAX_PARALLELISM})",
    )


def _changing(parser):
    _flag(parser, "replace", action="append", default=[], metavar="ADDRESS", help="destroy and create ADDRESS again, even when nothing differs (repeatable)")
    _flag(parser, "adopt", action="store_true", help="take over existing objects of the topology nobody marked: mark them, change nothing else")


def parser():
    top = argparse.ArgumentParser(prog="pacific", description=__doc__.split("\n\n")[0].replace("``", ""), add_help=False)
    _flag(top, "help", action="help", help="show this help and exit")
    _flag(top, "version", action="version", version=f"pacific {pacific.__version__}")
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    validate_parser = commands.add_parser("validate", add_help=False, help="check the topology: structure, values, and every name against vCenter")
    _common(validate_parser)
    validate_parser.set_defaults(run=validate_command)

    plan_parser = commands.add_parser("plan", add_help=False, help="show what apply would change")
    _common(plan_parser)
    _planning(plan_parser)
    _flag(plan_parser, "out", metavar="FILE", help="save the plan, for pacific apply FILE")
    _flag(plan_parser, "detailed-exitcode", dest="detailed_exitcode", action="store_true", help="exit 0 no changes, 1 error, 2 changes")
    _flag(plan_parser, "destroy", action="store_true", help="plan what destroy would remove")
    _changing(plan_parser)
    plan_parser.set_defaults(run=plan_command)

    apply_parser = commands.add_parser("apply", add_help=False, help="make the platform what the topology says")
    _common(apply_parser, file_required=False)
    _planning(apply_parser)
    apply_parser.add_argument("plan_file", nargs="?", metavar="PLANFILE", help="a plan saved with pacific plan -out: applied as it is, unless stale")
    _flag(apply_parser, "auto-approve", dest="auto_approve", action="store_true", help="do not ask before changing anything")
    _changing(apply_parser)
    _locking(apply_parser)
    apply_parser.set_defaults(run=apply_command)

    destroy_parser = commands.add_parser("destroy", add_help=False, help="remove everything the topology manages, in reverse dependency order")
    _common(destroy_parser)
    _planning(destroy_parser)
    _flag(destroy_parser, "auto-approve", dest="auto_approve", action="store_true", help="do not ask before destroying")
    _locking(destroy_parser)
    destroy_parser.set_defaults(run=destroy_command)

    unlock_parser = commands.add_parser("force-unlock", add_help=False, help="free the topology's lock held by a run that is gone")
    _common(unlock_parser)
    unlock_parser.add_argument("lock_id", metavar="LOCK_ID", help="the ID of the lock, as the error of the run that found it held says")
    _flag(unlock_parser, "force", action="store_true", help="do not ask for confirmation")
    unlock_parser.set_defaults(run=force_unlock_command)

    show_parser = commands.add_parser("show", add_help=False, help="the live state of what the topology describes, or a saved plan")
    _common(show_parser, file_required=False)
    show_parser.add_argument("plan_file", nargs="?", metavar="PLANFILE", help="a plan saved with pacific plan -out")
    show_parser.set_defaults(run=show_command, target=[])
    return top


def main(argv=None):
    args = parser().parse_args(argv)
    out = Output(args)
    if args.command == "apply" and not (args.file or args.plan_file):
        out.error("apply: give -f TOPOLOGY or a plan file")
        return EXIT_ERROR
    try:
        return args.run(args, out)
    except TopologyError as error:
        for problem in error.problems:
            out.error(problem)
        return EXIT_ERROR
    except PacificError as error:
        out.error(str(error))
        return EXIT_ERROR
    except KeyboardInterrupt:
        out.error("interrupted: what finished stays finished; run again to carry on from the live state")
        return 130
