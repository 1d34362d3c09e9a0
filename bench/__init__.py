"""`make bench`: the project against its peers, side by side, on one lab in one run.

Each figure comes from one run of a tool as a user starts it (its own
process): wall time, the client requests the lab logged for it by API,
logins, and the peak memory of its processes. Request counts are
deterministic and their budgets are tests in `make test`; times are this
machine's and live here only.
"""

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
# The lab's test tools (request log summary, control API), the lab's package (its timing constants) and the
# pacific lab tests' support (what a whole example platform is, checked after the runs through faults).
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "lab"), str(ROOT / "tests" / "pacific")]
