"""`python -m lenticular` is the `lenticular` command."""

import sys

from lenticular.cli import main

sys.exit(main())
