"""Technical quantities with units ("1550 nm", "10 W", "30 GHz", "4 K", "Mach 5", "200 qubits"),
normalised to base units, from abstracts and from clause text alike.

PDF extraction flattens powers of ten: the list prints "5 x 10 3 Gy" for 5×10³ Gy, so
"<a> x 10 <n>" (and "10 -4") are read as powers of ten.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

#: unit as written → (dimension, base unit, factor to the base unit)
UNITS: dict[str, tuple[str, str, float]] = {}


def _add(dimension: str, base: str, spellings: dict[str, float]) -> None:
    for spelling, factor in spellings.items():
        UNITS[spelling] = (dimension, base, factor)


_add("length", "m", {"pm": 1e-12, "nm": 1e-9, "µm": 1e-6, "μm": 1e-6, "um": 1e-6,
                     "micron": 1e-6, "microns": 1e-6, "mm": 1e-3, "cm": 1e-2, "m": 1.0,
                     "km": 1e3, "Å": 1e-10, "angstrom": 1e-10})  # fmt: skip
_add("frequency", "Hz", {"Hz": 1.0, "kHz": 1e3, "MHz": 1e6, "GHz": 1e9, "THz": 1e12})
_add("power", "W", {"pW": 1e-12, "nW": 1e-9, "µW": 1e-6, "μW": 1e-6, "uW": 1e-6, "mW": 1e-3,
                    "W": 1.0, "kW": 1e3, "MW": 1e6, "GW": 1e9, "TW": 1e12, "PW": 1e15})  # fmt: skip
_add("energy", "J", {"nJ": 1e-9, "µJ": 1e-6, "μJ": 1e-6, "uJ": 1e-6, "mJ": 1e-3, "J": 1.0,
                     "kJ": 1e3, "MJ": 1e6, "eV": 1.602e-19, "keV": 1.602e-16,
                     "MeV": 1.602e-13, "GeV": 1.602e-10})  # fmt: skip
_add("temperature", "K", {"mK": 1e-3, "K": 1.0})
_add("voltage", "V", {"mV": 1e-3, "V": 1.0, "kV": 1e3, "MV": 1e6})
_add("current", "A", {"µA": 1e-6, "μA": 1e-6, "mA": 1e-3, "A": 1.0, "kA": 1e3})
_add("time", "s", {"fs": 1e-15, "ps": 1e-12, "ns": 1e-9, "µs": 1e-6, "μs": 1e-6, "us": 1e-6,
                   "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0})  # fmt: skip
_add("pressure", "Pa", {"Pa": 1.0, "kPa": 1e3, "MPa": 1e6, "GPa": 1e9, "bar": 1e5,
                        "mbar": 1e2, "kbar": 1e8, "psi": 6894.76})  # fmt: skip
_add("mass", "kg", {"mg": 1e-6, "g": 1e-3, "kg": 1.0, "t": 1e3})
_add("dose", "Gy", {"Gy": 1.0, "kGy": 1e3, "Mrad": 1e4, "krad": 10.0, "rad": 1e-2})
_add("dose rate", "Gy/s", {"Gy/s": 1.0})
_add("velocity", "m/s", {"m/s": 1.0, "km/s": 1e3, "km/h": 1 / 3.6, "knots": 0.514444})
_add("sample rate", "S/s", {"GSPS": 1e9, "GS/s": 1e9, "MSPS": 1e6, "MS/s": 1e6,
                            "kSPS": 1e3, "Gsps": 1e9, "Msps": 1e6})  # fmt: skip
_add("sample rate", "S/s", {"Giga Samples Per Second": 1e9, "Mega Samples Per Second": 1e6})
_add("data rate", "bit/s", {"bit/s": 1.0, "kbit/s": 1e3, "Mbit/s": 1e6, "Gbit/s": 1e9,
                            "Tbit/s": 1e12, "bps": 1.0, "kbps": 1e3, "Mbps": 1e6,
                            "Gbps": 1e9, "Tbps": 1e12, "Gb/s": 1e9, "Mb/s": 1e6})  # fmt: skip
_add("resolution", "bit", {"bit": 1.0, "bits": 1.0, "-bit": 1.0})
_add("qubits", "qubit", {"qubits": 1.0, "qubit": 1.0, "physical qubits": 1.0})
_add("gain", "dB", {"dB": 1.0, "dBi": 1.0, "dBc": 1.0, "dBm": 1.0})
_add("force", "N", {"N": 1.0, "kN": 1e3, "MN": 1e6, "lbf": 4.44822})
_add("computing", "FLOPS", {"GFLOPS": 1e9, "TFLOPS": 1e12, "PFLOPS": 1e15, "WT": 1e12})
_add("activity", "Bq", {"Bq": 1.0, "kBq": 1e3, "MBq": 1e6, "GBq": 1e9, "TBq": 1e12,
                        "Ci": 3.7e10, "mCi": 3.7e7})  # fmt: skip
_add("angle", "deg", {"°": 1.0, "deg": 1.0, "degrees": 1.0, "mrad": 0.0572958, "µrad": 5.73e-5,
                      "arcsec": 1 / 3600})  # fmt: skip
_add("acceleration", "g", {"g0": 1.0})
_add("mach", "Mach", {"Mach": 1.0})

_UNIT_ALTERNATION = "|".join(
    re.escape(u) for u in sorted(UNITS, key=len, reverse=True) if u not in ("Mach",)
)
_NUMBER = r"(?P<num>\d{1,3}(?:[ ,]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_POWER = r"(?:\s*(?:x|×|\*)\s*10\s*(?:\^|\s)?\s*(?P<exp>[-−–]?\s?\d{1,2}))?"
QUANTITY = re.compile(
    rf"(?<![\w.]){_NUMBER}{_POWER}\s?(?:-\s?)?(?P<unit>{_UNIT_ALTERNATION})(?![\w/])"
)
#: "32–38 GHz", "2 to 18 GHz": the first number takes the unit written after the second
RANGE = re.compile(
    rf"(?<![\w.]){_NUMBER}\s?(?:-|–|—|to)\s?(?P<high>\d+(?:\.\d+)?){_POWER}\s?"
    rf"(?P<unit>{_UNIT_ALTERNATION})(?![\w/])"
)
MACH = re.compile(r"\bMach\s*(?P<num>\d+(?:\.\d+)?)")
CELSIUS = re.compile(r"(?P<num>[-−–]?\d+(?:\.\d+)?)\s?°\s?C\b")


@dataclass(frozen=True)
class Quantity:
    text: str  # as written
    value: float  # as written, in the written unit
    unit: str  # as written
    dimension: str
    base_value: float
    base_unit: str
    start: int
    end: int

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        return f"{self.text} ({_format(self.base_value)} {self.base_unit})"


def _format(value: float) -> str:
    return f"{value:.4g}"


def _number(text: str) -> float:
    return float(text.replace(",", "").replace(" ", ""))


def _exponent(text: str | None) -> int:
    if not text:
        return 0
    return int(text.replace("−", "-").replace("–", "-").replace(" ", ""))


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity with a known unit in ``text``, in order of appearance."""
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    for match in CELSIUS.finditer(text):
        value = _number(match["num"].replace("−", "-").replace("–", "-"))
        found.append(
            Quantity(
                match.group(0),
                value,
                "°C",
                "temperature",
                value + 273.15,
                "K",
                match.start(),
                match.end(),
            )  # fmt: skip
        )
        taken.append(match.span())
    for match in MACH.finditer(text):
        value = _number(match["num"])
        found.append(Quantity(match.group(0), value, "Mach", "mach", value, "Mach",
                              match.start(), match.end()))  # fmt: skip
    for match in QUANTITY.finditer(text):
        if any(start <= match.start() < end for start, end in taken):
            continue
        unit = match["unit"]
        dimension, base, factor = UNITS[unit]
        value = _number(match["num"]) * (10 ** _exponent(match["exp"]))
        # a bare "m", "s", "g", "t", "h", "A", "N" after a number is too ambiguous in prose
        if unit in {"t", "h", "g", "A", "N"} and not match["exp"]:
            following = text[match.end() : match.end() + 1]
            if following.isalpha():
                continue
        found.append(
            Quantity(
                match.group(0).strip(),
                value,
                unit,
                dimension,
                value * factor,
                base,
                match.start(),
                match.end(),
            )  # fmt: skip
        )
    for match in RANGE.finditer(text):
        low_end = match.start("num") + len(match["num"])
        if any(q.start <= match.start() < q.end for q in found):
            continue
        unit = match["unit"]
        dimension, base, factor = UNITS[unit]
        value = _number(match["num"]) * (10 ** _exponent(match["exp"]))
        found.append(Quantity(f"{match['num']} {unit}", value, unit, dimension, value * factor,
                              base, match.start(), low_end))  # fmt: skip
    found.sort(key=lambda q: q.start)
    return found
