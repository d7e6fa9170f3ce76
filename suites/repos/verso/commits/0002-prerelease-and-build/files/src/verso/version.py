"""Semantic version numbers (https://semver.org): parsing and formatting."""

from __future__ import annotations

import re
from dataclasses import dataclass

_IDENTIFIER = re.compile(r"[0-9A-Za-z-]+")
_IDENTIFIERS = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"
_VERSION = re.compile(rf"([0-9]+)\.([0-9]+)\.([0-9]+)(?:-({_IDENTIFIERS}))?(?:\+({_IDENTIFIERS}))?")


class InvalidVersion(ValueError):
    """A string that is not a semantic version. ``text`` is the rejected input."""

    def __init__(self, text: object) -> None:
        super().__init__(f"not a semantic version: {text!r}")
        self.text = text


@dataclass(frozen=True)
class Version:
    """A version number MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD].

    ``prerelease`` and ``build`` are tuples of identifiers (``("rc", "1")`` for ``-rc.1``); a dotted
    string is accepted for either and split.
    """

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("major", "minor", "patch"):
            value = getattr(self, name)
            # bool is an int subclass; Version(True, 0, 0) is a bug in the caller, not version 1.0.0
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        for name in ("prerelease", "build"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = tuple(value.split(".")) if value else ()
            if not isinstance(value, (tuple, list)):
                raise ValueError(f"{name} must be a tuple of identifiers, got {value!r}")
            value = tuple(value)
            for identifier in value:
                if not isinstance(identifier, str) or not _IDENTIFIER.fullmatch(identifier):
                    raise ValueError(f"{name} identifiers are made of [0-9A-Za-z-], got {identifier!r}")
            # frozen: __setattr__ is off, and normalising the input is this method's job
            object.__setattr__(self, name, value)

    @property
    def is_prerelease(self) -> bool:
        return bool(self.prerelease)

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text


def parse(text: str) -> Version:
    """Read a version such as ``"1.4.2"`` or ``"2.0.0-rc.1+build.7"``.

    Surrounding whitespace and a leading ``v`` are allowed.
    """
    if not isinstance(text, str):
        raise InvalidVersion(text)
    match = _VERSION.fullmatch(text.strip().removeprefix("v"))
    if match is None:
        raise InvalidVersion(text)
    major, minor, patch, prerelease, build = match.groups()
    return Version(int(major), int(minor), int(patch), prerelease or (), build or ())
