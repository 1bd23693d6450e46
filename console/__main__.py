"""`python -m console` runs the `agent-console` command."""

import sys

from console.cli import main

if __name__ == "__main__":  # not when a parsing process of a large import imports it
    sys.exit(main())
