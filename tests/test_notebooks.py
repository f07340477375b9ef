"""The exploration notebook runs against the shipped dataset (its code cells, in order)."""

from __future__ import annotations

import json
from pathlib import Path

NOTEBOOK = Path(__file__).parent.parent / "notebooks" / "explore_control_list.ipynb"


def test_notebook_code_cells_run(capsys):
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    namespace: dict = {}
    for cell in cells:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), str(NOTEBOOK), "exec"), namespace)
    assert "uk-consolidated/2025-12-16" in capsys.readouterr().out
    assert namespace["per_list"].loc["military", "entries"] >= 22
