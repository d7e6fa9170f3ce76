"""Semantic version numbers (https://semver.org): parsing, formatting, ordering and bumping."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

# semver 2, 9: numbers and numeric prerelease identifiers have no leading zeros; build identifiers may.
_NUMBER = r"0|[1-9][0-9]*"
_PRE = rf"(?:{_NUMBER}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_BUILD = r"[0-9A-Za-z-]+"
_IDENTIFIER = {"prerelease": re.compile(_PRE), "build": re.compile(_BUILD)}
_VERSION = re.compile(rf"({_NUMBER})\.({_NUMBER})\.({_NUMBER})(?:-({_PRE}(?:\.{_PRE})*))?(?:\+({_BUILD}(?:\.{_BUILD})*))?")


class InvalidVersion(ValueError):
    """A string that is not a semantic version. ``text`` is the rejected input."""

    def __init__(self, text: object) -> None:
        super().__init__(f"not a semantic version: {text!r}")
        self.text = text


def _identifier_key(identifier: str) -> tuple[int, int, str]:
    # semver 11.4: identifiers of digits only compare numerically (rc.2 < rc.10) and sort before
    # alphanumeric ones, which compare in ASCII order.
    if identifier.isdigit():
        return (0, int(identifier), "")
    return (1, 0, identifier)


@total_ordering
@dataclass(frozen=True, eq=False)
class Version:
    """A version number MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD].

    ``prerelease`` and ``build`` are tuples of identifiers (``("rc", "1")`` for ``-rc.1``); a dotted
    string is accepted for either and split.

    Versions compare by semver precedence: build metadata is ignored, so versions that differ only
    in their build are equal.
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
                if not isinstance(identifier, str) or not _IDENTIFIER[name].fullmatch(identifier):
                    rule = "[0-9A-Za-z-], numbers without leading zeros" if name == "prerelease" else "[0-9A-Za-z-]"
                    raise ValueError(f"{name} identifiers are made of {rule}, got {identifier!r}")
            # frozen: __setattr__ is off, and normalising the input is this method's job
            object.__setattr__(self, name, value)

    @property
    def is_prerelease(self) -> bool:
        return bool(self.prerelease)

    def bump(self, part: str) -> Version:
        """The next version: ``part`` is ``"major"``, ``"minor"`` or ``"patch"``.

        The parts below ``part`` reset to 0 and prerelease and build are dropped. A prerelease whose
        parts below ``part`` are already 0 is released instead: 2.0.0-rc.1 bumps to 2.0.0 (major),
        1.3.0-beta to 1.3.0 (minor), 1.2.4-rc.2 to 1.2.4 (patch).
        """
        if part == "major":
            released = self.prerelease and self.minor == 0 and self.patch == 0
            return Version(self.major if released else self.major + 1, 0, 0)
        if part == "minor":
            released = self.prerelease and self.patch == 0
            return Version(self.major, self.minor if released else self.minor + 1, 0)
        if part == "patch":
            return Version(self.major, self.minor, self.patch if self.prerelease else self.patch + 1)
        raise ValueError(f"part must be 'major', 'minor' or 'patch', got {part!r}")

    def _key(self) -> tuple:
        # A release sorts after its prereleases (semver 11.3): (False, ...) < (True, ()).
        return (self.major, self.minor, self.patch, not self.prerelease, tuple(_identifier_key(i) for i in self.prerelease))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() == other._key()

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

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


def compare(a: Version | str, b: Version | str) -> int:
    """-1, 0 or 1 as ``a`` sorts before, with or after ``b``. Strings are parsed first."""
    a = a if isinstance(a, Version) else parse(a)
    b = b if isinstance(b, Version) else parse(b)
    return (a > b) - (a < b)
