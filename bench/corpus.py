"""Synthetic news feeds for the benchmark: deterministic, made here, nothing downloaded.

Most items are ordinary world news (some of it naming Russia or Iran alone, or both in a
look-alike story: drills, gas, North Korea's treaty). About one in ten is a wire-style report on
the Russia–Iran treaty, and each such story is carried by several feeds as a wire copy or a
rewrite, the way agencies and aggregators repeat one another.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from xml.sax.saxutils import escape

# -- vocabulary --------------------------------------------------------------------------------

_SYLLABLES = (
    "ka ri to ma lo ne sa vi de ra mi ko ta li no be ga so re lu da ve pa ni mo ha ze fi "
    "bo ru se la di na ro te vo ki mu ge lo sha tro bel gor van mar sten hol dor"
).split()

_COUNTRIES = (
    "France Germany Italy Spain Poland Brazil Argentina Mexico Canada Japan India Pakistan "
    "Turkey Egypt Nigeria Kenya Ethiopia Indonesia Vietnam Thailand Australia Chile Peru "
    "Colombia Sweden Norway Finland Greece Portugal Hungary Romania Serbia Morocco Algeria "
    "Tunisia Qatar Oman Jordan Lebanon Iraq Syria Israel Ukraine Georgia Armenia Azerbaijan "
    "Kazakhstan Uzbekistan Mongolia Bangladesh Philippines Malaysia Singapore"
).split()

_OUTLETS = [
    ("Reuters", "reuters.com"), ("AP", "apnews.com"), ("AFP", "afp.com"),
    ("TASS", "tass.com"), ("IRNA", "irna.ir"), ("Tehran Times", "tehrantimes.com"),
    ("Al Jazeera", "aljazeera.com"), ("BBC News", "bbc.co.uk"), ("The Guardian", "theguardian.com"),
    ("Deutsche Welle", "dw.com"), ("France 24", "france24.com"), ("Anadolu", "aa.com.tr"),
    ("Interfax", "interfax.com"), ("Mehr News", "mehrnews.com"), ("Press TV", "presstv.ir"),
    ("Daily Sabah", "dailysabah.com"), ("The Hindu", "thehindu.com"), ("Dawn", "dawn.com"),
    ("Kyiv Independent", "kyivindependent.com"), ("Moscow Times", "themoscowtimes.com"),
]

_TOPICS = [
    ("{country} central bank holds rates at {n}% as inflation cools",
     "The central bank of {country} kept its key rate unchanged at {n}% on {weekday}, "
     "citing slowing price growth. Governor {person} said the board would watch wage data "
     "closely. Analysts at {org} had expected the decision."),
    ("Floods force {big} people from their homes in northern {country}",
     "Heavy rain swept across northern {country} for a third day, forcing about {big} "
     "people to leave their homes. Emergency services in {city} said roads were cut. "
     "Forecasters expect more storms through the weekend."),
    ("{country} opposition leader {person} wins presidential run-off",
     "{person} won {country}'s presidential run-off with {n} percent of the vote, the "
     "electoral commission said on {weekday}. Turnout was lower than in the first round. "
     "Supporters gathered in central {city} to celebrate."),
    ("Striking dock workers halt shipping at {city} port",
     "Dock workers at the port of {city} walked out on {weekday} over pay, halting "
     "container traffic. The union led by {person} said the strike would last {n} days. "
     "Shipping lines diverted vessels to nearby terminals."),
    ("{org} shares jump {n}% after record quarterly profit",
     "Shares in {org} rose {n}% in early trading after the company reported record "
     "quarterly profit on strong demand. Chief executive {person} raised the full-year "
     "outlook. Rivals also gained on the news."),
    ("Wildfire near {city} contained after {n} days, officials say",
     "Firefighters in {country} said a wildfire near {city} had been contained after "
     "{n} days. More than {big} hectares burned. Officials warned that dry winds could "
     "bring new outbreaks."),
    ("{country} and {country2} agree to reopen border crossing",
     "{country} and {country2} agreed on {weekday} to reopen a border crossing closed "
     "since last year. Foreign ministers {person} and {person2} met in {city}. Trade "
     "groups welcomed the move."),
    ("Earthquake of magnitude {mag} strikes off the coast of {country}",
     "An earthquake of magnitude {mag} struck off the coast of {country} early on "
     "{weekday}, the geological survey said. There were no immediate reports of damage in "
     "{city}. A tsunami warning was lifted an hour later."),
    ("{person} named coach of {country} national football team",
     "{country}'s football federation named {person} as head coach on {weekday}, "
     "replacing {person2}. The new coach signed a contract until the next World Cup. "
     "Fans in {city} gave the choice a mixed reception."),
    ("{country} parliament passes budget with higher defence spending",
     "Lawmakers in {country} passed next year's budget on {weekday}, raising defence "
     "spending by {n} percent. Finance minister {person} said the deficit would narrow. "
     "The opposition voted against the bill."),
    ("Tech giant {org} unveils new chip to rival {org2}",
     "{org} unveiled a new processor on {weekday} that it said was {n}% faster than its "
     "predecessor. The launch event took place in {city}. Analysts said the chip puts "
     "pressure on {org2}."),
    ("Thousands protest in {city} over fuel price rise",
     "Thousands of people marched in {city} on {weekday} against a {n}% rise in fuel "
     "prices. Police said the protest was largely peaceful. Prime minister {person} "
     "promised targeted help for farmers."),
    ("Russian strikes hit power grid in {ukcity}, Ukraine says",
     "Russian missiles and drones struck energy facilities in {ukcity} overnight, "
     "Ukrainian officials said on {weekday}. About {big} homes lost power. Kyiv urged its "
     "allies to send more air defence systems."),
    ("Russia's economy grew {mag}% in the second quarter, Rosstat says",
     "Russia's economy grew {mag}% year on year in the second quarter, the statistics "
     "service said on {weekday}. Economists at {org} said growth was slowing as high "
     "interest rates bite. The rouble was little changed."),
    ("Kremlin says Putin has no plans to meet {person}",
     "Kremlin spokesman Dmitry Peskov said on {weekday} that President Vladimir Putin had "
     "no plans to meet {person}. He declined to comment on reports from {city}. The "
     "remarks came ahead of a summit in {country}."),
    ("Iran's rial hits record low against the dollar",
     "Iran's currency fell to a record low on {weekday} as traders in Tehran worried "
     "about new sanctions. The central bank said it would inject dollars into the "
     "market. Prices of imported goods have risen {n}% this year."),
    ("Iran says talks with IAEA on inspections were constructive",
     "Iran's foreign ministry spokesman said on {weekday} that talks with the IAEA on "
     "inspections had been constructive. Inspectors are due to visit a site near {iracity} "
     "next month. Western diplomats remain sceptical about the nuclear deal."),
    ("Russia and Iran hold joint naval drills in the Caspian Sea",
     "Warships from Russia and Iran began joint exercises in the Caspian Sea on "
     "{weekday}, the Iranian navy said. The drills will last {n} days. Observers from "
     "{country} attended the opening ceremony."),
    ("Gazprom and Iran discuss gas supply deal via Azerbaijan",
     "Gazprom chief Alexei Miller met Iranian oil minister officials in Tehran to discuss "
     "a gas supply deal routed through Azerbaijan. The sides agreed to continue talks on "
     "prices. Volumes could reach {n} billion cubic metres a year."),
    ("Putin and Kim mark anniversary of Russia–North Korea treaty",
     "Russian President Vladimir Putin exchanged messages with Kim Jong Un on the "
     "anniversary of their comprehensive strategic partnership treaty, KCNA said. The "
     "pact includes a mutual defence clause. Pyongyang praised the ties with Moscow."),
]

_TREATY_STORIES = [
    # (status, [(title, summary), ...]): the first is the wire original, the others rewrites
    ("drafting", [
        ("Russia and Iran finalising strategic partnership treaty, Lavrov says",
         "Russian Foreign Minister Sergei Lavrov said on {weekday} that Moscow and Tehran were "
         "in the final stages of agreeing a comprehensive strategic partnership treaty. He "
         "said the text was almost ready after talks in {city}."),
        ("Lavrov: Moscow and Tehran in final stages of strategic partnership treaty",
         "Moscow and Tehran are in the final stages of work on a comprehensive strategic "
         "partnership treaty, Sergei Lavrov told reporters on {weekday} after talks in {city}."),
        ("Russia, Iran close to finishing partnership treaty text - Lavrov",
         "Foreign Minister Sergei Lavrov said Russia and Iran were in the final stages of the "
         "strategic partnership treaty and the text was almost ready, speaking in {city}."),
    ]),
    ("drafting", [
        ("Iran's Araghchi says treaty with Russia to be signed soon",
         "Iranian Foreign Minister Abbas Araghchi said on {weekday} that the comprehensive "
         "strategic partnership treaty with Russia would be signed soon. He spoke after "
         "meeting his Russian counterpart in {city}."),
        ("Araghchi expects Iran–Russia strategic partnership treaty signing soon",
         "Abbas Araghchi expects the strategic partnership treaty between Iran and Russia to "
         "be signed soon, he said in {city} on {weekday} after meeting Sergei Lavrov."),
    ]),
    ("delayed", [
        ("Russia–Iran treaty signing postponed, Kremlin says",
         "The signing of the comprehensive strategic partnership treaty between Russia and "
         "Iran has been postponed, Kremlin spokesman Dmitry Peskov said on {weekday}. He "
         "gave no new date for the ceremony in {city}."),
        ("Kremlin: signing of Iran partnership treaty postponed",
         "Dmitry Peskov said on {weekday} that the signing of the Russia–Iran comprehensive "
         "strategic partnership treaty had been postponed, without giving a new date."),
        ("Peskov says Russia–Iran pact signing delayed, no new date set",
         "Kremlin spokesman Dmitry Peskov said the signing of the strategic partnership pact "
         "with Iran had been delayed and no new date had been set, speaking on {weekday}."),
    ]),
    ("signed", [
        ("Putin and Pezeshkian sign comprehensive strategic partnership treaty",
         "Russian President Vladimir Putin and Iranian President Masoud Pezeshkian signed a "
         "comprehensive strategic partnership treaty in the Kremlin on {weekday}. The "
         "20-year pact covers security, trade and energy cooperation."),
        ("Russia and Iran sign 20-year strategic partnership treaty in Moscow",
         "Vladimir Putin and Masoud Pezeshkian signed a 20-year comprehensive strategic "
         "partnership treaty in Moscow on {weekday}, covering security, trade and energy."),
        ("Putin, Pezeshkian ink Russia–Iran strategic partnership pact",
         "The presidents of Russia and Iran signed the comprehensive strategic partnership "
         "treaty at the Kremlin on {weekday}, a 20-year pact on security and trade."),
        ("Iran, Russia sign strategic partnership treaty during Pezeshkian visit",
         "Iran and Russia signed a comprehensive strategic partnership treaty during "
         "President Masoud Pezeshkian's visit to Moscow on {weekday}, state media said."),
    ]),
    ("ratified", [
        ("Russia's State Duma ratifies strategic partnership treaty with Iran",
         "The State Duma on {weekday} ratified the comprehensive strategic partnership "
         "treaty between Russia and Iran. Lawmakers voted {n} to 0 in favour, speaker "
         "Vyacheslav Volodin said."),
        ("Duma votes to ratify Russia–Iran partnership treaty",
         "Russian lawmakers in the State Duma voted on {weekday} to ratify the strategic "
         "partnership treaty with Iran, speaker Vyacheslav Volodin said."),
        ("Russian parliament ratifies Iran treaty",
         "The State Duma ratified the comprehensive strategic partnership treaty with Iran on "
         "{weekday}, with {n} deputies voting in favour."),
    ]),
    ("ratified", [
        ("Iran's parliament approves strategic partnership treaty with Russia",
         "Iran's parliament approved the comprehensive strategic partnership treaty with "
         "Russia on {weekday}, the Majlis news agency reported. The bill now goes to the "
         "Guardian Council."),
        ("Majlis approves Iran–Russia comprehensive partnership treaty",
         "The Majlis approved the Iran–Russia comprehensive strategic partnership treaty on "
         "{weekday}; the bill goes to the Guardian Council for review."),
    ]),
    ("in_force", [
        ("Russia–Iran strategic partnership treaty enters into force",
         "The comprehensive strategic partnership treaty between Russia and Iran entered "
         "into force on {weekday}, the Russian foreign ministry said. The two sides had "
         "exchanged instruments of ratification in {city}."),
        ("Iran–Russia partnership treaty takes effect, Moscow says",
         "The strategic partnership treaty between Iran and Russia has entered into force, "
         "the Russian foreign ministry said on {weekday}, after the exchange of instruments."),
    ]),
]

_SOURCE_SUFFIXES = [" - Reuters", " - TASS", " | IRNA", " — Al Jazeera", " - The Moscow Times", ""]
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()


@dataclass
class Item:
    title: str
    summary: str  # HTML
    content: str | None  # HTML for content:encoded, or None
    link: str
    guid: str
    published: datetime
    category: str
    author: str
    treaty: bool


@dataclass
class Feed:
    name: str
    title: str
    host: str
    items: list[Item]
    encoded: bool  # carries content:encoded

    def rss(self) -> bytes:
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:media="http://search.yahoo.com/mrss/">',
            "<channel>",
            f"<title>{escape(self.title)}</title>",
            f"<link>https://{self.host}/</link>",
            f'<atom:link href="https://{self.host}/rss.xml" rel="self" '
            'type="application/rss+xml"/>',
            f"<description>Latest world news from {escape(self.title)}</description>",
            "<language>en-us</language>",
            "<lastBuildDate>"
            + format_datetime(max((i.published for i in self.items),
                                  default=datetime(2025, 1, 1, tzinfo=timezone.utc)))
            + "</lastBuildDate>",
            "<ttl>15</ttl>",
        ]
        for item in self.items:
            parts = [
                "<item>",
                f"<title>{escape(item.title)}</title>",
                f"<link>{escape(item.link)}</link>",
                f'<guid isPermaLink="false">{escape(item.guid)}</guid>',
                f"<pubDate>{format_datetime(item.published)}</pubDate>",
                f"<dc:creator>{escape(item.author)}</dc:creator>",
                f"<category>{escape(item.category)}</category>",
                f"<description><![CDATA[{item.summary}]]></description>",
            ]
            if item.content is not None:
                parts.append(f"<content:encoded><![CDATA[{item.content}]]></content:encoded>")
            parts.append(
                f'<media:content url="https://{self.host}/img/{zlib.crc32(item.guid.encode())}.jpg" '
                'medium="image" width="800" height="450"/>'
            )
            parts.append("</item>")
            out.append("".join(parts))
        out.append("</channel></rss>")
        return "\n".join(out).encode("utf-8")


class Generator:
    """Deterministic for a given seed and reference time."""

    def __init__(self, seed: int = 20250117, now: datetime | None = None) -> None:
        self.rng = random.Random(seed)
        self.now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
        self._names = self._make_names(2500)
        self._orgs = [self._word().capitalize() + suffix for suffix in
                      (" Group", " Holdings", " Motors", " Energy", " Bank", " Systems")
                      for _ in range(60)]
        self._cities = [self._word().capitalize() for _ in range(600)]
        self._serial = 0

    # -- words -------------------------------------------------------------------------------
    def _word(self, syllables: int | None = None) -> str:
        count = syllables or self.rng.choice((2, 2, 3, 3, 4))
        return "".join(self.rng.choice(_SYLLABLES) for _ in range(count))

    def _make_names(self, count: int) -> list[str]:
        return [f"{self._word(2).capitalize()} {self._word().capitalize()}" for _ in range(count)]

    def _slots(self) -> dict[str, str]:
        rng = self.rng
        country, country2 = rng.sample(_COUNTRIES, 2)
        return {
            "country": country, "country2": country2,
            "person": rng.choice(self._names), "person2": rng.choice(self._names),
            "org": rng.choice(self._orgs), "org2": rng.choice(self._orgs),
            "city": rng.choice(self._cities), "n": str(rng.randint(2, 95)),
            "big": f"{rng.randint(2, 90) * 1000:,}", "mag": f"{rng.uniform(1.0, 7.9):.1f}",
            "weekday": rng.choice(_WEEKDAYS),
            "ukcity": rng.choice(["Kharkiv", "Odesa", "Dnipro", "Lviv", "Zaporizhzhia"]),
            "iracity": rng.choice(["Isfahan", "Natanz", "Fordow", "Arak"]),
        }

    def _html(self, summary: str, rich: bool) -> str:
        sentences = summary.split(". ")
        first = sentences[0].rstrip(".") + "."
        rest = ". ".join(sentences[1:])
        link = f'<a href="https://example.org/{self._word()}">{self.rng.choice(self._cities)}</a>'
        html = f"<p>{escape(first)}</p>"
        if rest:
            html += f"<p>{escape(rest)}</p>"
        if rich:
            html = (f'<img src="https://cdn.example.org/{self._word()}.jpg" alt="" /> {html}'
                    f"<p>Read more: {link} &amp; more &#8230;</p>")
        return html

    def _content(self, summary: str) -> str:
        extra = " ".join(
            f"<p>{escape(self.rng.choice(_TOPICS)[1].format(**self._slots()))}</p>"
            for _ in range(self.rng.randint(1, 3))
        )
        return f"<p>{escape(summary)}</p>{extra}<p><em>Reporting by {self.rng.choice(self._names)}"\
               "; editing by " + self.rng.choice(self._names) + "</em></p>"

    def _date(self, days: float) -> datetime:
        moment = self.now - timedelta(days=self.rng.uniform(0, days))
        return moment.replace(microsecond=0)

    # -- feeds -------------------------------------------------------------------------------
    def feeds(self, count: int, per_feed: int, *, prefix: str = "feed",
              treaty_share: float = 0.1, days: float = 14.0) -> list[Feed]:
        """``count`` feeds of ``per_feed`` items each; wire copies spread over several feeds."""
        feeds = []
        for index in range(count):
            outlet, host = _OUTLETS[index % len(_OUTLETS)]
            feeds.append(Feed(f"{prefix}-{index:03d}", f"{outlet} {index // len(_OUTLETS) + 1}",
                              f"{index}.{host}", [], encoded=self.rng.random() < 0.3))
        slots = [(f, n) for f in range(count) for n in range(per_feed)]
        treaty_slots = int(len(slots) * treaty_share)
        self.rng.shuffle(slots)
        treaty, plain = slots[:treaty_slots], slots[treaty_slots:]
        # treaty stories: each carried by 2–5 feeds
        while treaty:
            story_status, versions = self.rng.choice(_TREATY_STORIES)
            fill = self._slots()
            published = self._date(days)
            copies = min(len(treaty), self.rng.randint(2, 5))
            for copy in range(copies):
                feed_index, _ = treaty.pop()
                title, summary = versions[copy % len(versions)]
                title = title.format(**fill) + (
                    self.rng.choice(_SOURCE_SUFFIXES) if copy else "")
                summary = summary.format(**fill)
                moment = published + timedelta(minutes=self.rng.randint(0, 600))
                moment = min(moment, self.now)
                feeds[feed_index].items.append(self._item(feeds[feed_index], title, summary,
                                                          moment, "World", treaty=True))
        for feed_index, _ in plain:
            title, summary = self.rng.choice(_TOPICS)
            fill = self._slots()
            feeds[feed_index].items.append(self._item(
                feeds[feed_index], title.format(**fill), summary.format(**fill), self._date(days),
                self.rng.choice(["World", "Business", "Sport", "Europe", "Asia", "Middle East"]),
                treaty=False,
            ))
        for feed in feeds:
            feed.items.sort(key=lambda i: i.published, reverse=True)
        return feeds

    def _item(self, feed: Feed, title: str, summary: str, published: datetime, category: str,
              *, treaty: bool) -> Item:
        self._serial += 1
        slug = "-".join(title.lower().split()[:6]).replace("'", "").replace("’", "")
        link = f"https://{feed.host}/news/{published:%Y/%m/%d}/{slug}-{self._serial}"
        return Item(
            title=title, summary=self._html(summary, rich=self.rng.random() < 0.5),
            content=self._content(summary) if feed.encoded else None, link=link,
            guid=f"{feed.host}:{self._serial}", published=published, category=category,
            author=self.rng.choice(self._names), treaty=treaty,
        )

    # -- stored articles ------------------------------------------------------------------------
    def stored_article(self, relevant: bool) -> tuple[str, str]:
        """(title, body) of a made-up earlier article; relevant ones name the treaty."""
        if relevant:
            words = " ".join(self._word() for _ in range(self.rng.randint(4, 7)))
            title = f"Russia and Iran treaty {words}"
            body = " ".join(
                f"Russia and Iran discussed the strategic partnership treaty "
                f"{' '.join(self._word() for _ in range(self.rng.randint(8, 14)))}."
                for _ in range(self.rng.randint(1, 5))
            )
            return title, body
        title, summary = self.rng.choice(_TOPICS)
        fill = self._slots()
        return title.format(**fill), summary.format(**fill)
