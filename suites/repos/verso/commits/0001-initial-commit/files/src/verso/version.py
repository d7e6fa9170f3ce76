"""Semantic version numbers (https://semver.org): parsing and formatting."""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION = re.compile(r"([0-9]+)\.([0-9]+)\.([0-9]+)")


class InvalidVersion(ValueError):
    """A string that is not a semantic version. ``text`` is the rejected input."""

    def __init__(self, text: object) -> None:
        super().__init__(f"not a semantic version: {text!r}")
        self.text = text


@dataclass(frozen=True)
class Version:
    """A version number MAJOR.MINOR.PATCH."""

    major: int
    minor: int
    patch: int

    def __post_init__(self) -> None:
        for name in ("major", "minor", "patch"):
            value = getattr(self, name)
            # bool is an int subclass; Version(True, 0, 0) is a bug in the caller, not version 1.0.0
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


def parse(text: str) -> Version:
    """Read a version such as ``"1.4.2"``. Surrounding whitespace and a leading ``v`` are allowed."""
    if not isinstance(text, str):
        raise InvalidVersion(text)
    match = _VERSION.fullmatch(text.strip().removeprefix("v"))
    if match is None:
        raise InvalidVersion(text)
    return Version(*(int(part) for part in match.groups()))
