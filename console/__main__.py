"""`python -m console` runs the `agent-console` command."""

import sys

from console.cli import main

sys.exit(main())
