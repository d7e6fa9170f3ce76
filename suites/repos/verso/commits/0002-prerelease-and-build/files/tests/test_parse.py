import pytest

from verso import InvalidVersion, Version, parse


def test_parses_major_minor_patch():
    assert parse("1.4.2") == Version(1, 4, 2)


def test_allows_surrounding_whitespace_and_a_leading_v():
    assert parse("  v2.0.10\n") == Version(2, 0, 10)


def test_parses_a_prerelease():
    v = parse("1.0.0-alpha.1")
    assert v == Version(1, 0, 0, ("alpha", "1"))
    assert v.is_prerelease


def test_parses_build_metadata():
    v = parse("1.0.0+20250301.sha-5114f85")
    assert v.build == ("20250301", "sha-5114f85")
    assert v.prerelease == ()
    assert not v.is_prerelease


def test_parses_a_prerelease_with_build_metadata():
    assert parse("2.1.0-rc.2+exp.sha.5114f85") == Version(2, 1, 0, ("rc", "2"), ("exp", "sha", "5114f85"))


def test_str_round_trips():
    for text in ["0.0.0", "1.2.3", "10.20.30", "1.0.0-rc.1", "1.0.0+build.7", "1.0.0-x-y-z.--+b.0"]:
        assert str(parse(text)) == text


@pytest.mark.parametrize(
    "text",
    ["1", "1.2", "1.2.3.4", "1.2.x", "a.b.c", "1..3", "-1.2.3", "1. 2.3", "1.2.3-", "1.2.3+", "1.2.3-a..b", "1.2.3-al_pha", "1.2.3+b+c"],
)
def test_rejects_strings_that_are_not_versions(text):
    with pytest.raises(InvalidVersion):
        parse(text)


def test_rejects_the_empty_string():
    with pytest.raises(InvalidVersion):
        parse("")


def test_rejects_other_types():
    with pytest.raises(InvalidVersion):
        parse(123)


def test_errors_carry_the_rejected_input():
    with pytest.raises(InvalidVersion) as info:
        parse("1.2")
    assert info.value.text == "1.2"
    assert isinstance(info.value, ValueError)


class TestVersion:
    def test_parts_must_be_non_negative_integers(self):
        for parts in [(1, -1, 0), (1, "2", 0), (1, 2.0, 0), (True, 0, 0)]:
            with pytest.raises(ValueError):
                Version(*parts)

    def test_is_immutable(self):
        v = Version(1, 2, 3)
        with pytest.raises(AttributeError):
            v.major = 2

    def test_accepts_dotted_strings_for_prerelease_and_build(self):
        v = Version(1, 0, 0, "rc.1", "build.7")
        assert v.prerelease == ("rc", "1")
        assert v.build == ("build", "7")
        assert Version(1, 0, 0, "") == Version(1, 0, 0)

    def test_rejects_invalid_identifiers(self):
        for prerelease in [("",), ("rc", ""), ("al_pha",), ("rc", 1)]:
            with pytest.raises(ValueError):
                Version(1, 0, 0, prerelease)
