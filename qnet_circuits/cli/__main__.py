"""``python -m qnet_circuits.cli`` runs the ``qnet`` command."""

import sys

from qnet_circuits.cli import main

sys.exit(main())
