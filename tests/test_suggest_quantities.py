"""Technical quantities in abstracts and clause text, normalised to base units."""

from __future__ import annotations

import pytest

from exportctl.suggest.quantities import find_quantities


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("a 1550 nm fibre laser", 1.55e-6, "m"),
        ("output power of 10 W", 10.0, "W"),
        ("operating at 30 GHz", 3e10, "Hz"),
        ("cooled to 4 K", 4.0, "K"),
        ("cooled to 20 mK", 0.02, "K"),
        ("flight at Mach 5", 5.0, "Mach"),
        ("a 200 qubits processor", 200.0, "qubit"),
        ("A total dose of 5 x 10 3 Gy (silicon)", 5000.0, "Gy"),
        ("exceeding 3 500 MSPS", 3.5e9, "S/s"),
        ("at -55°C", 218.15, "K"),
        ("pulses of 100 fs", 1e-13, "s"),
    ],
)
def test_quantities_normalise_to_base_units(text, value, unit):
    found = find_quantities(text)
    assert len(found) == 1
    assert found[0].base_unit == unit
    assert found[0].base_value == pytest.approx(value, rel=1e-6)


def test_quantities_keep_spans_for_highlighting():
    text = "We built a 10 W laser at 1064 nm."
    assert [text[q.start : q.end] for q in find_quantities(text)] == ["10 W", "1064 nm"]


@pytest.mark.parametrize("text", ["", "no numbers here", "in 2021 we met 3 times", "Table 4 shows"])
def test_quantities_ignore_numbers_without_units(text):
    assert find_quantities(text) == []
