"""verso: semantic version numbers for Python, with no dependencies."""

from verso.version import InvalidVersion, Version, compare, parse

__all__ = ["InvalidVersion", "Version", "compare", "parse"]
