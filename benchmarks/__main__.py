"""``python -m benchmarks``: every figure of the benchmark suite in one run."""

from __future__ import annotations

import sys

from benchmarks.run import main

sys.exit(main())
