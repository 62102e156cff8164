"""Country strings from Web of Science addresses and OpenAlex codes mapped to ISO 3166-1 alpha-3."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pycountry

# pycountry has no Kosovo; XK/XKX are the codes the EU, IMF and OpenAlex use for it.
KOSOVO = {"XK": "XKX"}

# Codes withdrawn from ISO 3166-1 (now in ISO 3166-3) that old WoS records still carry; kept
# rather than guessed onto a successor state.
HISTORIC = {"ANT", "CSK", "DDR", "SCG", "SUN", "YUG"}

# Web of Science spellings (abbreviated to 15 characters, older names, UK nations) that
# pycountry's names do not match. Keys are compared after `normalise`.
WOS_SPELLINGS: dict[str, str] = {
    "usa": "USA",
    "united states": "USA",
    "peoples r china": "CHN",
    "china": "CHN",
    "hong kong": "HKG",
    "macau": "MAC",
    "macao": "MAC",
    "taiwan": "TWN",
    "rep of china": "TWN",
    "england": "GBR",
    "scotland": "GBR",
    "wales": "GBR",
    "north ireland": "GBR",
    "northern ireland": "GBR",
    "uk": "GBR",
    "great britain": "GBR",
    "south korea": "KOR",
    "north korea": "PRK",
    "dem peoples r korea": "PRK",
    "turkey": "TUR",
    "turkiye": "TUR",
    "macedonia": "MKD",
    "north macedonia": "MKD",
    "rep of macedonia": "MKD",
    "russia": "RUS",
    "iran": "IRN",
    "syria": "SYR",
    "laos": "LAO",
    "vietnam": "VNM",
    "viet nam": "VNM",
    "moldova": "MDA",
    "tanzania": "TZA",
    "bolivia": "BOL",
    "venezuela": "VEN",
    "palestine": "PSE",
    "kosovo": "XKX",
    "micronesia": "FSM",
    "brunei": "BRN",
    "cape verde": "CPV",
    "czech republic": "CZE",
    "swaziland": "SWZ",
    "netherlands": "NLD",
    "the netherlands": "NLD",
    "vatican": "VAT",
    "vatican city": "VAT",
    "u arab emirates": "ARE",
    "bosnia & herceg": "BIH",
    "bosnia & herzegovina": "BIH",
    "cent afr republ": "CAF",
    "dem rep congo": "COD",
    "zaire": "COD",
    "rep congo": "COG",
    "congo": "COG",
    "papua n guinea": "PNG",
    "trinid & tobago": "TTO",
    "trinidad tobago": "TTO",
    "trinidad & tobago": "TTO",
    "antigua & barbu": "ATG",
    "st kitts & nevi": "KNA",
    "st kitts & nevis": "KNA",
    "st lucia": "LCA",
    "st vincent": "VCT",
    "st helena": "SHN",
    "st pierre & miq": "SPM",
    "st martin": "MAF",
    "st barthelemy": "BLM",
    "sint maarten": "SXM",
    "bonaire": "BES",
    "sao tome & prin": "STP",
    "sao tome e prin": "STP",
    "equat guinea": "GNQ",
    "guinea bissau": "GNB",
    "turks & caicos": "TCA",
    "marshall island": "MHL",
    "solomon isl": "SLB",
    "cote ivoire": "CIV",
    "ivory coast": "CIV",
    "byelarus": "BLR",
    "fr polynesia": "PYF",
    "fr guiana": "GUF",
    "fr austr lands": "ATF",
    "falkland island": "FLK",
    "wallis & futuna": "WLF",
    "br virgin isl": "VGB",
    "british virgin isl": "VGB",
    "us virgin isl": "VIR",
    "n mariana isl": "MNP",
    "amer samoa": "ASM",
    "w samoa": "WSM",
    "western samoa": "WSM",
    "cayman isl": "CYM",
    "faroe isl": "FRO",
    "cook isl": "COK",
    "timor leste": "TLS",
    "east timor": "TLS",
    "burma": "MMR",
    "rep of georgia": "GEO",
    "malagasy republ": "MDG",
    "mongol peo rep": "MNG",
    "kampuchea": "KHM",
    "upper volta": "BFA",
    "dahomey": "BEN",
    "fed rep ger": "DEU",
    "bundes republik": "DEU",
    "ger dem rep": "DDR",
    "neth antilles": "ANT",
    "ussr": "SUN",
    "czechoslovakia": "CSK",
    "yugoslavia": "YUG",
    "serbia monteneg": "SCG",
    "serbia & montenegro": "SCG",
}

# Other sources' spellings pycountry misses (Scopus-based migration data, Zhao et al. 2023).
OTHER_SPELLINGS: dict[str, str] = {
    "democratic republic of the congo": "COD",
    "republic of the congo": "COG",
    "palestinian territory": "PSE",
    "bonaire, saint eustatius and saba": "BES",
}

# `CA 94305 USA`, `PR 00936 USA` (Puerto Rico is filed under the USA), `DC USA`.
US_ADDRESS = re.compile(r"^(?:[A-Z]{2} )?(?:\d{5}(?:-\d{4})? )?USA$")


def normalise(name: str) -> str:
    """Lower-case, accents dropped, hyphens as spaces, whitespace collapsed: `Guinea-Bissau`
    and WoS `GUINEA BISSAU` compare equal."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return " ".join(plain.replace("-", " ").lower().split())


@cache
def _names() -> dict[str, str]:
    """Every pycountry name, common name and official name, with the WoS table on top."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:  # address parts lose a trailing period, so the names do too
                names[normalise(value.rstrip("."))] = country.alpha_3
    names.update({normalise(key): code for key, code in WOS_SPELLINGS.items()})
    names.update({normalise(key): code for key, code in OTHER_SPELLINGS.items()})
    return names


def country_from_wos(raw: str) -> str | None:
    """Alpha-3 code for the country part of a WoS address, or None when unknown."""
    text = raw.strip().rstrip(".").strip()
    if US_ADDRESS.match(text.upper()):
        return "USA"
    return _names().get(normalise(text))


def country_from_alpha2(code: str) -> str | None:
    """Alpha-3 code for an ISO alpha-2 code (OpenAlex `country_code`), or None when unknown."""
    code = code.strip().upper()
    if code in KOSOVO:
        return KOSOVO[code]
    country = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    return country.alpha_3 if country else None


def country_from_name(name: str) -> str | None:
    """Alpha-3 code for a country name (pycountry names plus the tables above), or None."""
    return _names().get(normalise(name.strip().rstrip(".")))
