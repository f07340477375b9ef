"""Partner-blind screening: who the partners, funders and affiliations are never moves the
suggestions. Classification depends on the technology alone (the end-use question is where
partners matter, and the officer asks it).

Before matching, the text is blanked (same length, so every offset still points at the user's
text) where it names:
- countries and nationalities ("China", "the USA", "Iranian");
- organisations: capitalised names ending in, or built on, an institutional word ("Harbin
  Institute of Technology", "National Science Foundation", "Acme Photonics Ltd");
- research funders and agencies by their usual acronyms;
and a sentence that, without those names and its acknowledgement words, says nothing else
("This work was funded by the National Natural Science Foundation of China.") is blanked whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from exportctl.suggest.analyzers import STOP_WORDS
from exportctl.suggest.sentences import sentence_spans

#: institutional words that make a capitalised run an organisation's name
ORGANISATION_WORDS = (
    "University|Universities|Université|Universität|Universidad|Università|Institute|Institut|"
    "Instituto|Academy|Akademie|College|School|Laboratory|Laboratories|Lab|Labs|Foundation|"
    "Council|Agency|Ministry|Department|Corporation|Corp|Company|Co|Inc|Ltd|Limited|LLC|"
    "GmbH|AG|SA|plc|Centre|Center|Office|Administration|Commission|Fund|Trust|Society|Group|"
    "Organisation|Organization|Authority|Hospital|Observatory|Directorate|Bureau|Programme|"
    "Program|Initiative|Consortium|Association"
)
_CAPITALISED = r"(?:[A-Z][\w'’&.-]*|[A-Z]{2,})"
_CONNECTOR = r"(?:of|for|and|the|de|di|du|der|für|&|on|in)"
ORGANISATION = re.compile(
    rf"(?:{_CAPITALISED}\s+(?:{_CONNECTOR}\s+)?)*"
    rf"\b(?:{ORGANISATION_WORDS})\b\.?"
    rf"(?:\s+(?:{_CONNECTOR}\s+)+{_CAPITALISED}(?:\s+{_CAPITALISED})*)*"
    rf"(?:\s*\([A-Z][\w&-]*\))?"
)
#: usual acronyms of research funders and agencies (never technical terms)
FUNDER_ACRONYMS = frozenset(
    """NSF NSFC DARPA IARPA EPSRC UKRI STFC BBSRC MRC NERC AHRC ESRC DSTL Dstl DASA ERC DFG JSPS
    JST NRF KAIST CAS ONR AFOSR AFRL ARL ARO DOD DoD DOE DoE NASA ESA ANR NWO FWF SNSF ARC NSERC
    NIH MOST MoST NNSF CSC DRDO ISRO IITs BMBF EU EC H2020 CNRS CEA JAXA KARI A*STAR""".split()
)
#: words that only say who supports or takes part in the work
ACKNOWLEDGEMENT_WORDS = frozenset(
    """fund funded funding funds grant grants granted support supported supporting sponsor
    sponsored sponsorship collaboration collaborative collaborate collaborating collaborator
    collaborators partner partners partnership partnered jointly joint acknowledge acknowledged
    acknowledges acknowledgement acknowledgment thank thanks grateful project programme program
    colleague colleagues discussion discussions fruitful helpful valuable comments assistance
    help helped gratefully
    agreement contract number no award awarded financed financial financially scheme
    fellowship under part carried conducted led leading team teams university institute
    national international""".split()
)
_DEMONYMS = """Afghan Albanian Algerian American Argentine Argentinian Armenian Australian
Austrian Azerbaijani Bangladeshi Belarusian Belgian Bolivian Brazilian British Bulgarian
Burmese Cambodian Cameroonian Canadian Chilean Chinese Colombian Congolese Croatian Cuban
Cypriot Czech Danish Dutch Ecuadorian Egyptian Emirati English Eritrean Estonian Ethiopian
Filipino Finnish French Georgian German Ghanaian Greek Guatemalan Hungarian Icelandic Indian
Indonesian Iranian Iraqi Irish Israeli Italian Ivorian Jamaican Japanese Jordanian Kazakh
Kenyan Korean Kuwaiti Kyrgyz Lao Latvian Lebanese Libyan Lithuanian Luxembourgish Malaysian
Maltese Mexican Moldovan Mongolian Montenegrin Moroccan Mozambican Namibian Nepalese Nigerian
Norwegian Omani Pakistani Palestinian Panamanian Paraguayan Persian Peruvian Polish Portuguese
Qatari Romanian Russian Rwandan Saudi Scottish Senegalese Serbian Singaporean Slovak Slovenian
Somali Spanish Sri Lankan Sudanese Swedish Swiss Syrian Taiwanese Tajik Tanzanian Thai Tunisian
Turkish Turkmen Ugandan Ukrainian Uruguayan Uzbek Venezuelan Vietnamese Welsh Yemeni Zambian
Zimbabwean""".split()
_SHORT_COUNTRY_NAMES = """USA U.S.A. U.S. US UK U.K. Britain Great Britain England Scotland
Wales Russia Iran Syria Taiwan Hong Kong Macau Macao Vietnam Laos Bolivia Venezuela Tanzania
Moldova Czechia South Korea North Korea Korea Brunei Cape Verde Ivory Coast Palestine
Vatican Micronesia PRC P.R. China Mainland China""".split("\n")


@lru_cache(maxsize=1)
def _country_pattern() -> re.Pattern[str]:
    import pycountry

    names: set[str] = set()
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                names.add(name)
                names.add(name.split(",")[0])
    for line in _SHORT_COUNTRY_NAMES:
        names.update(line.split())
    names.update(
        {"Great Britain", "Hong Kong", "South Korea", "North Korea", "Ivory Coast", "Cape Verde",
         "Mainland China", "United States of America", "Sri Lanka"}
    )  # fmt: skip
    names.update(_DEMONYMS)
    names.update({"Sri Lankan"})
    names = {n for n in names if len(n) >= 2}
    alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])(?:the\s+)?(?:{alternation})(?![\w])")


#: where an acknowledgement starts even when the previous sentence has no full stop
ACKNOWLEDGEMENT_START = re.compile(
    r"\s(?=(?:This|The|Our)\s+(?:work|research|project|study|programme|program)\s+"
    r"(?:was|is|has been|were|are)\s+(?:carried out|conducted|supported|funded|sponsored|"
    r"financed|a\s+(?:joint|partnership|collaboration))"
    r"|We\s+(?:thank|acknowledge|are grateful|gratefully)"
    r"|(?:Funding|Acknowledge?ments?)\s*:)"
)
_ACRONYM = re.compile(r"(?<![\w*])[A-Za-z0-9*]{2,}(?![\w*])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def partner_spans(
    text: str, proper_nouns: Callable[[str, int, int], list[tuple[int, int]]] | None = None
) -> list[tuple[int, int]]:
    """Spans of ``text`` that name countries, nationalities, organisations or funders, and of
    sentences that say nothing but who supports or takes part in the work. ``proper_nouns``
    (text, start, end → spans) is asked only for sentences that thank or name partners: their
    proper nouns count as names when deciding whether the sentence says anything else."""
    names: list[tuple[int, int]] = []
    names.extend(m.span() for m in _country_pattern().finditer(text))
    names.extend(m.span() for m in ORGANISATION.finditer(text) if m.end() - m.start() > 3)
    names.extend(m.span() for m in _ACRONYM.finditer(text) if m.group(0) in FUNDER_ACRONYMS)
    spans = list(names)
    for start, end in _segments(text):
        if not _says_who(text[start:end]):
            continue
        inside = [(max(s, start), min(e, end)) for s, e in names if s < end and e > start]
        if proper_nouns is not None:
            inside.extend(proper_nouns(text, start, end))
        if _only_says_who(text, start, end, inside):
            spans.append((start, end))
    return _merge(spans)


def _segments(text: str) -> list[tuple[int, int]]:
    """Sentences, with an acknowledgement that runs on from the previous sentence split off."""
    out = []
    for start, end in sentence_spans(text):
        cuts = [m.end() for m in ACKNOWLEDGEMENT_START.finditer(text, start, end)]
        for left, right in zip([start, *cuts], [*cuts, end], strict=True):
            if right > left:
                out.append((left, right))
    return out


def blank_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with ``spans`` replaced by spaces (offsets unchanged)."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        for position in range(start, end):
            if not chars[position].isspace():
                chars[position] = " "
    return "".join(chars)


def blank_partner_mentions(text: str) -> str:
    """``text`` with partner, funder and country mentions replaced by spaces."""
    return blank_spans(text, partner_spans(text))


def _says_who(sentence: str) -> bool:
    return any(w.lower() in ACKNOWLEDGEMENT_WORDS for w in _WORD.findall(sentence))


def _only_says_who(text: str, start: int, end: int, names: list[tuple[int, int]]) -> bool:
    """A sentence that names someone and, once names, acknowledgement and stop words are
    taken out, has at most two words left."""
    if not names:
        return False
    chars = list(text[start:end])
    for s, e in names:
        for position in range(s - start, e - start):
            chars[position] = " "
    rest = [
        w.lower()
        for w in _WORD.findall("".join(chars))
        if w.lower() not in STOP_WORDS and w.lower() not in ACKNOWLEDGEMENT_WORDS
    ]
    return len(rest) <= 2


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
