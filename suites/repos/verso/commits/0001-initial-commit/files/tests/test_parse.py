import pytest

from verso import InvalidVersion, Version, parse


def test_parses_major_minor_patch():
    assert parse("1.4.2") == Version(1, 4, 2)


def test_allows_surrounding_whitespace_and_a_leading_v():
    assert parse("  v2.0.10\n") == Version(2, 0, 10)


def test_str_round_trips():
    for text in ["0.0.0", "1.2.3", "10.20.30"]:
        assert str(parse(text)) == text


@pytest.mark.parametrize("text", ["1", "1.2", "1.2.3.4", "1.2.x", "a.b.c", "1..3", "-1.2.3", "1. 2.3"])
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
