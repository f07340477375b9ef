"""Shared fixtures: the shipped list dataset is loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from exportctl.config import DEFAULT_LIST_SOURCE
from exportctl.lists.store import ControlList

DATA_DIR = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def control_list() -> ControlList:
    return ControlList.load()


@pytest.fixture(scope="session")
def source_text_path() -> Path:
    return DEFAULT_LIST_SOURCE


@pytest.fixture(scope="session")
def mini_list_path() -> Path:
    return DATA_DIR / "lists" / "mini-list.txt"
