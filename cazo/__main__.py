"""``python -m cazo`` is the ``cazo`` command."""

from cazo.cli import main

main()
