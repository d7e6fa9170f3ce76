import pytest

from verso import InvalidVersion, Version, compare, parse


def test_orders_by_major_then_minor_then_patch():
    assert parse("1.2.3") < parse("1.2.4") < parse("1.3.0") < parse("2.0.0")


def test_parts_compare_as_numbers():
    assert parse("1.10.0") > parse("1.9.0")
    assert parse("0.0.10") > parse("0.0.9")


def test_a_prerelease_sorts_before_its_release():
    assert parse("1.0.0-rc.1") < parse("1.0.0")
    assert parse("1.0.0-rc.1") > parse("0.9.9")


def test_a_longer_prerelease_sorts_after_its_prefix():
    assert parse("1.0.0-alpha") < parse("1.0.0-alpha.1")


def test_build_metadata_is_ignored():
    assert parse("1.0.0+linux") == parse("1.0.0+darwin")
    assert not parse("1.0.0+linux") < parse("1.0.0+darwin")
    assert parse("1.0.0+linux") <= parse("1.0.0")
    assert hash(parse("1.0.0+linux")) == hash(parse("1.0.0"))


def test_all_comparison_operators():
    a, b = parse("1.0.0"), parse("1.1.0")
    assert a < b and a <= b and b > a and b >= a and a != b
    assert a <= parse("1.0.0") and a >= parse("1.0.0")


def test_sorted_and_max():
    versions = [parse(t) for t in ["2.0.0", "1.0.0-beta", "0.3.1", "1.0.0", "1.0.0-alpha"]]
    assert [str(v) for v in sorted(versions)] == ["0.3.1", "1.0.0-alpha", "1.0.0-beta", "1.0.0", "2.0.0"]
    assert str(max(versions)) == "2.0.0"


def test_is_not_equal_to_other_types():
    assert parse("1.0.0") != "1.0.0"
    with pytest.raises(TypeError):
        parse("1.0.0") < "2.0.0"


class TestCompare:
    def test_returns_minus_one_zero_or_one(self):
        assert compare(Version(1, 0, 0), Version(2, 0, 0)) == -1
        assert compare(Version(2, 0, 0), Version(2, 0, 0)) == 0
        assert compare(Version(2, 0, 1), Version(2, 0, 0)) == 1

    def test_parses_strings(self):
        assert compare("1.0.0-rc.1", "1.0.0") == -1
        assert compare("v1.2.3", Version(1, 2, 3)) == 0
        assert compare("1.0.0+a", "1.0.0+b") == 0

    def test_rejects_strings_that_are_not_versions(self):
        with pytest.raises(InvalidVersion):
            compare("1.0", "1.0.0")
