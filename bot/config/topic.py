"""What the bot follows: the treaty's parties with their aliases, and the words that name it.

The default is the Russia–Iran Treaty on Comprehensive Strategic Partnership; the watchlist's
``topic:`` section replaces or extends it. Look-alikes are the other agreements that share its
words (Russia's treaty with North Korea has the very same name).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_KEYWORDS",
    "DEFAULT_LOOKALIKES",
    "DEFAULT_NAME",
    "DEFAULT_PARTIES",
    "DEFAULT_TOPIC",
    "Topic",
]

DEFAULT_NAME = "Russia–Iran Treaty on Comprehensive Strategic Partnership"

DEFAULT_PARTIES: dict[str, list[str]] = {
    "russia": [
        "Russia",
        "Russian",
        "Russians",
        "Moscow",
        "Kremlin",
        "Putin",
        "Vladimir Putin",
        "Lavrov",
        "Peskov",
        "Zakharova",
        "Rudenko",
        "Kabulov",
        "Volodin",
        "Matviyenko",
        "Duma",
        "Federation Council",
        "Mishustin",
        "Ushakov",
        "Shoigu",
    ],
    "iran": [
        "Iran",
        "Iranian",
        "Iranians",
        "Tehran",
        "Raisi",
        "Pezeshkian",
        "Amirabdollahian",
        "Amir-Abdollahian",
        "Araghchi",
        "Jalali",
        "Majlis",
        "Ghalibaf",
        "Guardian Council",
        "Islamic Republic",
        "Baghaei",
        "Baqaei",
        "Kanaani",
        "Mokhber",
        "Khamenei",
    ],
}
DEFAULT_KEYWORDS: list[str] = [
    "treaty",
    "pact",
    "agreement",
    "accord",
    "strategic partnership",
    "comprehensive partnership",
    "interstate treaty",
    "strategic cooperation",
    "deal",
]

# Markers of agreements that are not this treaty. Each maps to a short name used in evidence.
DEFAULT_LOOKALIKES: dict[str, list[str]] = {
    "north_korea": [
        "north korea",
        "north korean",
        "dprk",
        "pyongyang",
        "kim jong un",
        "kim jong-un",
        "kim",
        "korean peninsula",
    ],
    "belarus": ["belarus", "belarusian", "minsk", "lukashenko", "union state"],
    "eaeu": [
        "eurasian economic union",
        "eaeu",
        "free trade",
        "free-trade",
        "trade deal",
        "trade agreement",
        "customs",
    ],
    "china": ["china", "chinese", "beijing", "25-year", "xi jinping"],
    "energy_nuclear_deal": [
        "gazprom",
        "nigc",
        "gas supply",
        "gas deal",
        "gas pipeline",
        "rosatom",
        "reactor",
        "nuclear power plant",
        "power plant",
        "memorandum",
        "memoranda",
        "oil deal",
        "gas contract",
        "gas",
        "payment system",
        "payment systems",
        "oil",
        "wheat",
        "nuclear plant",
        "bushehr",
        "hormoz",
    ],
    "treaty_2001": [
        "2001",
        "khatami",
        "foundations of relations",
        "20-year cooperation treaty",
        "current treaty",
        "existing treaty",
        "previous treaty",
        "old treaty",
    ],
    "jcpoa": [
        "jcpoa",
        "nuclear deal",
        "nuclear accord",
        "snapback",
        "2231",
        "joint comprehensive plan",
        "e3",
        "iaea",
        "2015 nuclear",
    ],
}


@dataclass(frozen=True)
class Topic:
    name: str = DEFAULT_NAME
    parties: dict[str, list[str]] = field(default_factory=lambda: dict(DEFAULT_PARTIES))
    keywords: list[str] = field(default_factory=lambda: list(DEFAULT_KEYWORDS))
    aliases: list[str] = field(default_factory=list)  # names of the treaty itself
    lookalikes: dict[str, list[str]] = field(default_factory=lambda: dict(DEFAULT_LOOKALIKES))


DEFAULT_TOPIC = Topic()
