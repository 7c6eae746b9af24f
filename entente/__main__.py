"""`python -m entente`: the `entente` command line."""

import sys

from entente.flows.cli import main

sys.exit(main())
