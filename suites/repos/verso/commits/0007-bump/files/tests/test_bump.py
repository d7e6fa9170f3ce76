import pytest

from verso import Version, parse


@pytest.mark.parametrize(
    "part, expected",
    [("major", "2.0.0"), ("minor", "1.5.0"), ("patch", "1.4.3")],
)
def test_bumps_a_release(part, expected):
    assert str(parse("1.4.2").bump(part)) == expected


def test_drops_build_metadata():
    assert str(parse("1.4.2+build.7").bump("patch")) == "1.4.3"


class TestPrereleases:
    def test_releases_a_major_prerelease(self):
        assert str(parse("2.0.0-rc.1").bump("major")) == "2.0.0"

    def test_releases_a_minor_prerelease(self):
        assert str(parse("1.3.0-beta").bump("minor")) == "1.3.0"
        assert str(parse("1.3.0-beta").bump("major")) == "2.0.0"

    def test_releases_a_patch_prerelease(self):
        assert str(parse("1.2.4-rc.2").bump("patch")) == "1.2.4"
        assert str(parse("1.2.4-rc.2").bump("minor")) == "1.3.0"
        assert str(parse("1.2.4-rc.2").bump("major")) == "2.0.0"

    def test_a_bumped_version_is_never_lower(self):
        for text in ["0.0.0", "1.4.2", "2.0.0-rc.1", "1.3.0-beta", "1.2.4-rc.2+b"]:
            v = parse(text)
            for part in ("major", "minor", "patch"):
                assert v.bump(part) > v


def test_leaves_the_original_unchanged():
    v = Version(1, 4, 2)
    v.bump("major")
    assert v == Version(1, 4, 2)


@pytest.mark.parametrize("part", ["Major", "prerelease", "", None])
def test_rejects_unknown_parts(part):
    with pytest.raises(ValueError):
        parse("1.4.2").bump(part)
