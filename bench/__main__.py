"""python3 -m bench [--quick] [--sizes LABEL ...]: run the benchmark on the running lab, print the table, write the results.

    make bench         every size (example, 4x16/20/5, 4x16/60/20, 4x16/200/40), the peers, 10 runs through faults
    make bench-quick   the example, the peers and one run through faults: a first look in a few minutes

Results go to bench/results/<date>.json, .md and .png. The lab is reset
between parts and left at its startup size.
"""

from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import platform
import sys
import tempfile

from . import ROOT, report, scenarios
from .lab import Lab

RESULTS = ROOT / "bench" / "results"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the example topology only, with the peers")
    parser.add_argument("--fault-runs", type=int, help="runs of each tool at each fault share (default: 10, 1 with --quick)")
    parser.add_argument("--sizes", nargs="+", choices=[size.label for size in scenarios.SIZES], help="these sizes only")
    parser.add_argument("--results", type=pathlib.Path, default=RESULTS, help="directory of the result files (default: %(default)s)")
    args = parser.parse_args(argv)
    chosen = args.sizes or ([scenarios.EXAMPLE.label] if args.quick else [size.label for size in scenarios.SIZES])
    lab = Lab()
    started = datetime.datetime.now(datetime.timezone.utc)
    with tempfile.TemporaryDirectory(prefix="pacific-bench-") as workdir:
        bench = scenarios.Bench(lab, pathlib.Path(workdir))
        try:
            print("control-plane set against community.vmware", flush=True)
            control_plane = scenarios.control_plane_peers(bench)
            print("makespan of the example, then a guest cluster against kubernetes.core", flush=True)
            makespan = scenarios.makespan(bench)
            guest_cluster = scenarios.guest_cluster_peers(bench)
            for size in (size for size in scenarios.SIZES if size.label in chosen):
                print(f"topology {size.label}", flush=True)
                scenarios.platform(bench, size)
            fault_runs = args.fault_runs if args.fault_runs is not None else (1 if args.quick else 10)
            print(f"{fault_runs} run(s) of pacific apply and site.yml through faults at each share", flush=True)
            fault_summaries = scenarios.faults(bench, fault_runs)
        finally:
            lab.reset()
    found = report.comparisons(control_plane, guest_cluster, makespan, fault_summaries)
    command = "make bench-quick" if args.quick else "make bench" if not args.sizes else "python3 -m bench --sizes " + " ".join(args.sizes)
    stem = started.strftime("%Y-%m-%d")
    args.results.mkdir(parents=True, exist_ok=True)
    document = {
        "date": started.isoformat(timespec="seconds"), "command": command,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "platform": platform.platform()},
        "lab_settings": lab.settings(), "time_scales": {"build": scenarios.BUILD_SCALE, "measured": scenarios.MEASURED_SCALE},
        "records": bench.records, "comparisons": found, "fault_runs": bench.fault_runs,
    }
    report.write_json(args.results / f"{stem}.json", document)
    (args.results / f"{stem}.md").write_text(report.markdown(bench.records, found, command))
    report.plot(args.results / f"{stem}.png", bench.records, [size.label for size in scenarios.SIZES])
    report.print_table(bench.records, found)
    print(f"results: {args.results}/{stem}.json, .md, .png")
    failed = [record for record in bench.records if record["result"] != "ok"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
