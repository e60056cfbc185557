"""``python -m runlab.cli``: the same as the ``runlab`` script."""

import sys

from runlab.cli import main

sys.exit(main())
