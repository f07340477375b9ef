"""Suggesting control entries from a project abstract.

``from exportctl.suggest import Suggester`` (loaded lazily: importing the package does not
load spaCy or the index).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Suggester", "SuggestionResult"]


def __getattr__(name: str) -> Any:
    if name == "Suggester":
        from exportctl.suggest.engine import Suggester

        return Suggester
    if name == "SuggestionResult":
        from exportctl.suggest.result import SuggestionResult

        return SuggestionResult
    raise AttributeError(name)
