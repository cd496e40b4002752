"""``python -m spacemimo`` is the same as the ``spacemimo`` console script."""

import sys

from spacemimo.cli import main

sys.exit(main())
