"""Give ansible-test a pip bootstrap script that works offline.

ansible-test downloads ``get-pip-<version>.py`` from a host this network does not
reach whenever it builds a virtual environment. A cached script skips the
download, so this writes one that installs pip from the interpreter's own
``ensurepip`` and then the packages ansible-test asks for (from PyPI).
"""
import os
import sys

SCRIPT = '''"""Offline stand-in for get-pip.py, written by tools/seed_get_pip.py."""
import subprocess
import sys

# get-pip.py's own switches mean nothing to pip install.
GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}
# In a child process: ensurepip points PIP_CONFIG_FILE at /dev/null in its own
# process, which would drop the machine's pip settings (index, CA bundle).
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
arguments = [argument for argument in sys.argv[1:] if argument not in GET_PIP_ONLY]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *arguments]))
'''


def pip_version():
    from types import SimpleNamespace

    from ansible_test._internal.python_requirements import get_venv_packages

    running = SimpleNamespace(version=f"{sys.version_info[0]}.{sys.version_info[1]}")
    return get_venv_packages(running)["pip"]


def main():
    version = sys.argv[1] if len(sys.argv) > 1 else pip_version()
    path = os.path.expanduser(f"~/.ansible/test/cache/get_pip_{version.replace('.', '_')}.py")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(SCRIPT)
    print(path)


if __name__ == "__main__":
    main()
