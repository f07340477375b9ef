"""From goods to the software (D) and technology (E) entries that control them.

A D or E entry names the goods it covers: by entry or clause ("specified by 6A005"), by
product group ("specified by 6A, 6B, 6C or 6D") or by category ("items specified in
Category 0"). The Military List's software and technology are ML21 and ML22.
"""

from __future__ import annotations

import re
from functools import cached_property

from exportctl.lists.store import ControlList

GROUP_CITATION = re.compile(r"(?<![\w.])(\d[A-E])(?![\w])")
CATEGORY_CITATION = re.compile(r"\bCategory\s+(\d)\b")
THIS_CATEGORY = re.compile(r"\bin this Category\b", re.IGNORECASE)
MILITARY_SOFTWARE_AND_TECHNOLOGY = ("ML22", "ML21")


class RelatedEntries:
    def __init__(self, control_list: ControlList) -> None:
        self.control_list = control_list

    @staticmethod
    def is_goods(entry: str) -> bool:
        if entry.startswith("ML"):
            return entry not in MILITARY_SOFTWARE_AND_TECHNOLOGY
        return len(entry) == 5 and entry[0].isdigit() and entry[1] in "ABC"

    @cached_property
    def _citations(self) -> dict[str, tuple[set[str], set[str]]]:
        """For each dual-use D/E entry: entries it cites, and groups (``6A``) it covers."""
        table: dict[str, tuple[set[str], set[str]]] = {}
        for entry in self.control_list.entries("dual-use"):
            if entry.code[1] not in "DE":
                continue
            clauses = [entry, *self.control_list.descendants(entry.code)]
            cited_entries = {ref.split(".")[0] for c in clauses for ref in c.references}
            groups: set[str] = set()
            for clause in clauses:
                groups.update(GROUP_CITATION.findall(clause.text))
                categories = set(CATEGORY_CITATION.findall(clause.text))
                if THIS_CATEGORY.search(clause.text):
                    categories.add(entry.code[0])
                for category in categories:
                    groups.update(f"{category}{group}" for group in "ABC")
            table[entry.code] = (cited_entries, groups)
        return table

    def software_and_technology(self, entry: str) -> list[str]:
        """D/E entries for the goods entry, those naming it first, then by group."""
        if entry.startswith("ML"):
            return [code for code in MILITARY_SOFTWARE_AND_TECHNOLOGY if code in self.control_list]
        if not self.is_goods(entry):
            return []
        naming, by_group = [], []
        for code, (cited, groups) in self._citations.items():
            if code[0] != entry[0]:
                continue
            if entry in cited:
                naming.append(code)
            elif entry[:2] in groups:
                by_group.append(code)
        key = lambda code: (code[1] != "E", code)  # noqa: E731 - technology first
        return sorted(naming, key=key) + sorted(by_group, key=key)
