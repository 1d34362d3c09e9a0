"""The benchmark's results: comparisons within the run, a terminal table, JSON, Markdown and a PNG plot."""

from __future__ import annotations

import json

APIS = ("vim25", "rest", "k8s")


def comparisons(control_plane, guest_cluster, makespan, fault_summaries):
    """Ratios of pacific's figures to its peers' (same lab, same run), the makespan against the critical path, runs through faults."""
    found = {}
    if control_plane:
        (ours_made, ours_again), (peer_made, peer_again) = control_plane.values()
        found["control_plane"] = {
            "requests_ratio": _ratio(ours_made["requests"]["total"] + ours_again["requests"]["total"],
                                     peer_made["requests"]["total"] + peer_again["requests"]["total"]),
            "seconds_ratio": _ratio(ours_made["seconds"] + ours_again["seconds"], peer_made["seconds"] + peer_again["seconds"]),
            "target": "at most 0.5 for both", "same_result": ours_made["result"] == peer_made["result"] == "ok"}
    if guest_cluster:
        (ours_made, ours_again), (peer_made, peer_again) = guest_cluster.values()
        found["guest_cluster"] = {
            "create_seconds_ratio": _ratio(ours_made["seconds"], peer_made["seconds"]),
            "no_change_seconds_ratio": _ratio(ours_again["seconds"], peer_again["seconds"]),
            "requests_ratio": _ratio(ours_made["requests"]["total"] + ours_again["requests"]["total"],
                                     peer_made["requests"]["total"] + peer_again["requests"]["total"]),
            "target": "create no slower than the peer (ratio at most 1)"}
    if fault_summaries:
        found["faults"] = {f"{summary['tool']} at {summary['subject'].removeprefix('faults ')}": f"{summary['converged']} of "
                           f"{summary['phase'].split()[0]} converged with the platform whole" for summary in fault_summaries}
    if makespan:
        found["makespan"] = {"seconds": makespan["seconds"], "critical_path_seconds": makespan["critical_path_seconds"],
                             "ratio": makespan["makespan_ratio"], "target": "at most 1.2"}
    return found


def write_json(path, document):
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n")


def print_table(records, found):
    from rich.console import Console
    from rich.table import Table

    table = Table(title="pacific.vsphere benchmark (times: this machine; requests: deterministic)")
    for column in ("subject", "tool", "phase", "time s", "requests", *APIS, "logins", "peak MiB", "result"):
        table.add_column(column, justify="right" if column not in ("subject", "tool", "phase", "result") else "left")
    for record in records:
        table.add_row(*_cells(record))
    console = Console()
    if not console.is_terminal:
        console = Console(width=220)  # a log file: no wrapping of the table
    console.print(table)
    for name, figures in found.items():
        console.print(f"[bold]{name}[/bold]: " + ", ".join(f"{key} {value}" for key, value in figures.items()))


def markdown(records, found, command):
    lines = [f"Made by `{command}`; times are this machine's, request counts are the same on any.", "",
             "| subject | tool | phase | time s | requests | vim25 | rest | k8s | logins | peak MiB | result |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    lines += ["| " + " | ".join(_cells(record)) + " |" for record in records]
    lines.append("")
    for name, figures in found.items():
        lines.append(f"- **{name}**: " + ", ".join(f"{key} {value}" for key, value in figures.items()))
    return "\n".join(lines) + "\n"


def plot(path, records, sizes):
    """Requests and wall time against topology ``sizes`` (their labels) for pacific and site.yml, and the peer comparisons."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sized = [r for r in records if r["subject"] in sizes and "makespan" not in r["phase"]]
    sizes = [size for size in sizes if any(r["subject"] == size for r in sized)]
    series = sorted({(r["tool"], r["phase"]) for r in sized})
    figure, (requests_axis, time_axis, peers_axis) = plt.subplots(1, 3, figsize=(18, 5.5))
    for tool, phase in series:
        points = {r["subject"]: r for r in sized if (r["tool"], r["phase"]) == (tool, phase)}
        xs = [size for size in sizes if size in points]
        label = f"{tool} ({phase})"
        requests_axis.plot(xs, [points[x]["requests"]["total"] for x in xs], marker="o", label=label)
        time_axis.plot(xs, [points[x]["seconds"] for x in xs], marker="o", label=label)
    requests_axis.set(title="client requests", xlabel="topology (clusters×hosts/namespaces/guest clusters)", yscale="log")
    time_axis.set(title="wall time, s (this machine)", xlabel="topology", yscale="log")
    requests_axis.legend(fontsize=7)
    peers = [r for r in records if r["subject"] in ("control plane", "guest cluster")]
    labels = [f"{r['subject']}\n{r['tool'].split(' (')[0]}\n{r['phase']}" for r in peers]
    positions = range(len(peers))
    peers_axis.bar([p - 0.2 for p in positions], [r["requests"]["total"] for r in peers], width=0.4, label="requests")
    seconds_axis = peers_axis.twinx()
    seconds_axis.bar([p + 0.2 for p in positions], [r["seconds"] for r in peers], width=0.4, color="tab:orange", label="seconds")
    peers_axis.set_xticks(list(positions), labels, fontsize=6, rotation=60, ha="right")
    peers_axis.set(title="against the peers (blue: requests, orange: seconds)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _cells(record):
    requests = record["requests"]
    by_api = requests["by_api"]
    logins = ", ".join(f"{api} {count}" for api, count in sorted(requests["logins"].items())) or "0"
    total = f"{requests['total']}" + (f" (≤ {record['budget']})" if "budget" in record else "")
    return [record["subject"], record["tool"], record["phase"], f"{record['seconds']:.1f}", total,
            *(str(by_api.get(api, 0)) for api in APIS), logins, f"{record['peak_rss_mib']:.0f}", record["result"]]


def _ratio(ours, theirs):
    return round(ours / theirs, 3) if theirs else None
