"""A metamorphic check that suggestions are partner-blind: appending sentences that name
partners, funders and countries to an abstract must not move its top entries.

The sentences are written the way acknowledgements and collaboration statements appear in real
abstracts and grant summaries, with institutions, funders and companies of several countries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from exportctl.suggest.input_text import check_text

#: country → (university, funder, company)
PARTNERS: dict[str, tuple[str, str, str]] = {
    "United States": ("Massachusetts Institute of Technology", "the National Science Foundation",
                      "Lockheed Martin"),
    "China": ("Tsinghua University", "the National Natural Science Foundation of China",
              "Huawei Technologies"),
    "Russia": ("Moscow Institute of Physics and Technology", "the Russian Science Foundation",
               "Rosatom"),
    "Iran": ("Sharif University of Technology", "the Iran National Science Foundation",
             "Iran Electronics Industries"),
    "Germany": ("the Technical University of Munich", "the Deutsche Forschungsgemeinschaft (DFG)",
                "Siemens AG"),
}  # fmt: skip

TEMPLATES = (
    "This work was carried out in collaboration with {university}, {country}, and was funded "
    "by {funder}.",
    "We thank our partners at {company} ({country}) for their support.",
    "The project is a partnership between our group and {university} in {country}, supported "
    "by {funder} and {company}.",
)


def partner_variants(
    text: str, template: int = 0, countries: list[str] | None = None
) -> dict[str, str]:
    """The text with a partner/funder sentence of each country appended."""
    pattern = TEMPLATES[template % len(TEMPLATES)]
    out = {}
    for country in countries or list(PARTNERS):
        university, funder, company = PARTNERS[country]
        sentence = pattern.format(
            university=university, funder=funder, company=company, country=country
        )
        out[country] = f"{text.rstrip()} {sentence}"
    return out


@dataclass(frozen=True)
class PartnerCheck:
    abstracts: int
    stable: int  # abstracts whose top entries stayed the same under every variant
    changed: tuple[str, ...]  # ids of the others

    @property
    def share(self) -> float:
        return self.stable / max(self.abstracts, 1)


def check_partner_blindness(
    suggester, records: Iterable[dict], *, top: int = 5, countries_each: int = len(PARTNERS)
) -> PartnerCheck:
    """For each record: its top ``top`` entries, and whether every variant gives the same
    ones. Records take the templates in turn, and ``countries_each`` countries in turn."""
    total = stable = 0
    changed = []
    names = list(PARTNERS)
    for number, record in enumerate(records):
        text = check_text(record["text"]).text
        reference = _top_entries(suggester, text, top)
        countries = [names[(number + i) % len(names)] for i in range(countries_each)]
        variants = partner_variants(text, template=number % len(TEMPLATES), countries=countries)
        same = all(_top_entries(suggester, v, top) == reference for v in variants.values())
        total += 1
        stable += same
        if not same:
            changed.append(str(record.get("id", number)))
    return PartnerCheck(total, stable, tuple(changed))


def _top_entries(suggester, text: str, top: int) -> list[str]:
    query = suggester.analyse(text)
    return [c.entry for c in suggester.candidates(query, suggester.score(query), top_k=top)]
