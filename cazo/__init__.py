"""Cazo's composition root: settings, wiring, the embedded database and the ``cazo`` command line."""

__version__ = "0.1.0"
