# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""``python3 -m pacific``, the same as the ``pacific`` command."""

import sys

from pacific.cli import main

sys.exit(main())
