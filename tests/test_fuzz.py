"""Fuzzing, the short profile run with the tests: every target of ``fuzz_targets`` on a few
dozen generated inputs (``benchmarks/fuzz.py`` runs 10,000 of each). Any input that ends in
anything but a result or a clear refusal that wrote nothing fails, shrunk to a small example."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
from fuzz_targets import (
    FORMULAS,
    TARGETS,
    Crash,
    assert_clear,
    check_rules_import,
    check_table_upload,
    use_suggester,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exportctl.errors import InputTextError
from exportctl.uploads import read_table

settings.register_profile(
    "ci",
    deadline=None,
    database=None,  # nothing stored in the work tree
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.large_base_example],
)  # fmt: skip

#: Inputs per target in the short profile: the slow targets (the engine, pdfminer) get fewer.
EXAMPLES = {
    "suggest-text": 30,
    "suggest-bytes": 30,
    "import-text": 25,
    "import-pdf": 12,
    "upload-document": 60,
    "upload-table": 60,
    "atas-rules": 60,
}


@pytest.mark.parametrize("name", list(TARGETS))
def test_fuzz_target_gives_a_result_or_a_clear_refusal(name, request):
    target = TARGETS[name]
    if name.startswith("suggest"):
        use_suggester(request.getfixturevalue("suggester"))
    outcomes: Counter[str] = Counter()

    @settings(settings.get_profile("ci"), max_examples=EXAMPLES[name])
    @given(st.data())
    def fuzz(data) -> None:
        outcomes[target.check(data.draw(target.strategy(), label="input")).kind] += 1

    fuzz()
    # the inputs reach past the first checks: some are accepted, some refused
    assert outcomes["accepted"] and outcomes["refused"], outcomes


def test_fuzz_unclear_refusals_are_caught():
    with pytest.raises(KeyError):
        assert_clear(KeyError("x"))
    for message in ("", "  ", "failed: ValueError('x')", "Traceback (most recent"):
        with pytest.raises(Crash):
            assert_clear(InputTextError(message))
    outcome = assert_clear(InputTextError("The text is empty."))
    assert outcome.message == "[E140] The text is empty."
    # a line break quoted from a file is written as an escape: the message stays one line
    assert assert_clear(InputTextError("a\nb")).message == "[E140] a\\nb"


def test_fuzz_formulas_in_a_batch_are_kept_and_exported_as_text():
    rows = io.StringIO()
    csv.writer(rows).writerows([["id", "abstract"], *enumerate(FORMULAS)])
    name, data = "batch.csv", rows.getvalue().encode()
    assert check_table_upload((name, data, ("abstract", "id", None))).kind == "accepted"
    assert list(read_table(name, data)["abstract"]) == list(FORMULAS)


def test_fuzz_a_refused_rules_import_leaves_the_rules_in_force():
    outcome = check_rules_import(([("subjects.csv", b"cah3_code\nCAH99\n", "utf-8")], False))
    assert outcome.kind == "refused" and "is not a CAH3 code" in outcome.message
