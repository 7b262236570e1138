"""TracSeq Desktop core: domain model, rules, services, storage and command line.

This package imports neither ``ui`` nor ``hardware`` nor Qt; see the layer
contracts in ``pyproject.toml``.
"""

__version__ = "0.1.0"
