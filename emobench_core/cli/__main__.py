"""``python -m emobench_core.cli``: the ``emobench`` command."""

import sys

from emobench_core.cli import main

sys.exit(main())
