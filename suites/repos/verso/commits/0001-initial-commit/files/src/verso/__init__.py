"""verso: semantic version numbers for Python, with no dependencies."""

from verso.version import InvalidVersion, Version, parse

__all__ = ["InvalidVersion", "Version", "parse"]
