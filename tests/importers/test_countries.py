import pycountry
import pytest

from kpi.importers.countries import (
    HISTORIC,
    KOSOVO,
    WOS_SPELLINGS,
    country_from_alpha2,
    country_from_wos,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # US addresses end in state, ZIP and USA; Puerto Rico is filed as a US state.
        ("CA 94305 USA", "USA"),
        ("TX 77058-1002 USA", "USA"),
        ("WA USA", "USA"),
        ("USA", "USA"),
        ("USA.", "USA"),
        ("PR 00936 USA", "USA"),
        ("Peoples R China", "CHN"),
        ("PEOPLES R CHINA", "CHN"),
        ("England", "GBR"),
        ("Scotland", "GBR"),
        ("Wales", "GBR"),
        ("North Ireland", "GBR"),
        ("Turkey", "TUR"),
        ("Turkiye", "TUR"),
        ("Macedonia", "MKD"),
        ("North Macedonia", "MKD"),
        ("Taiwan", "TWN"),
        ("South Korea", "KOR"),
        ("North Korea", "PRK"),
        ("U Arab Emirates", "ARE"),
        ("Bosnia & Herceg", "BIH"),
        ("Cent Afr Republ", "CAF"),
        ("Dem Rep Congo", "COD"),
        ("Rep Congo", "COG"),
        ("Papua N Guinea", "PNG"),
        ("Trinid & Tobago", "TTO"),
        ("Antigua & Barbu", "ATG"),
        ("St Kitts & Nevi", "KNA"),
        ("Sao Tome & Prin", "STP"),
        ("Equat Guinea", "GNQ"),
        ("Guinea Bissau", "GNB"),
        ("Turks & Caicos", "TCA"),
        ("Marshall Island", "MHL"),
        ("Solomon Isl", "SLB"),
        ("Vatican", "VAT"),
        ("Cote Ivoire", "CIV"),
        ("Brunei", "BRN"),
        ("Byelarus", "BLR"),
        ("Fr Polynesia", "PYF"),
        ("Neth Antilles", "ANT"),
        ("Timor Leste", "TLS"),
        ("Kosovo", "XKX"),
        # Names WoS writes as ISO does are found through pycountry, accents and hyphens aside.
        ("Germany", "DEU"),
        ("Czech Republic", "CZE"),
        ("Curacao", "CUW"),
        ("Reunion", "REU"),
        ("Liechtenstein", "LIE"),
    ],
)
def test_wos_country_spellings(raw, expected):
    assert country_from_wos(raw) == expected


@pytest.mark.parametrize("raw", ["Atlantis", "Korea", "", "CA 94305"])
def test_unknown_or_ambiguous_wos_strings_map_to_none(raw):
    assert country_from_wos(raw) is None


def test_every_wos_spelling_maps_to_a_real_code():
    current = {country.alpha_3 for country in pycountry.countries}
    allowed = current | HISTORIC | set(KOSOVO.values())
    assert {code for code in WOS_SPELLINGS.values() if code not in allowed} == set()


def test_every_country_is_reachable_by_its_iso_name():
    # The pycountry fallback must cover the countries the WoS table does not list.
    missing = [c.alpha_3 for c in pycountry.countries if country_from_wos(c.name) != c.alpha_3]
    assert missing == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [("JP", "JPN"), ("us", "USA"), ("GB", "GBR"), ("HK", "HKG"), ("XK", "XKX"), ("ZZ", None)],
)
def test_alpha2_codes(code, expected):
    assert country_from_alpha2(code) == expected
