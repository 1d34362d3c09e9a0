"""Run Galaxy's importer on the built collection artifact and fail on anything it reports.

    python3 tools/galaxy_import.py IMPORTER_VENV ARTIFACT

galaxy-importer reports problems as WARNING lines and still ends "completed
successfully"; and it skips flake8, ansible-lint and ansible-doc, saying
nothing, when they are not on PATH. So this puts the importer's own venv
first on PATH, turns its flake8 on, and fails unless all three ran and no
line is a warning or an error.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile

# What the importer prints when each of its checks runs (galaxy-importer 0.4).
RAN = {"ansible-doc": "Getting doc strings via ansible-doc", "flake8": "via flake8...", "ansible-lint": "ansible-lint run complete"}


def main(argv=None):
    venv, artifact = (pathlib.Path(arg).resolve() for arg in (argv or sys.argv[1:]))
    with tempfile.TemporaryDirectory(prefix="galaxy-import-") as workdir:
        env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", "GALAXY_IMPORTER_RUN_FLAKE8": "true",
               "GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP": str(pathlib.Path(workdir) / "ansible-tmp")}
        done = subprocess.run([str(venv / "bin" / "python"), "-m", "galaxy_importer.main", str(artifact)], env=env, cwd=workdir,
                              capture_output=True, text=True, timeout=900)
    output = done.stdout + done.stderr
    problems = [line for line in output.splitlines() if line.startswith(("WARNING", "ERROR"))]
    skipped = [check for check, sign in RAN.items() if sign not in output]
    if done.returncode != 0 or problems or skipped:
        print(output)
        print(f"galaxy-importer: exit {done.returncode}, {len(problems)} warning(s) or error(s), checks not run: {', '.join(skipped) or 'none'}")
        return 1
    print(f"galaxy-importer {artifact.name}: no warning (ansible-doc, flake8 and ansible-lint ran)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
