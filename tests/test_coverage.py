"""Every figure in both articles is in the graph: each number the texts write is used by a fact whose
quote contains it, or is listed here as not a figure, with the reason."""

from __future__ import annotations

import re
from decimal import Decimal

import pyoxigraph
import pytest

from azkg.build.numbers import NUMERAL, WORD, numbers_in
from tests.conftest import ROOT

# (source, text around the number, why it is not a figure)
NOT_FIGURES = [
    ("azernews-2026-01-27", " date 2026-01-27 27 January 2026 11:42 (UTC+04:00)", "the dateline: the source's issue date"),
]


def mentions(text: str) -> list[tuple[int, int, Decimal]]:
    found = [(m.start(), m.end(), numbers_in(m.group(0))[0]) for m in NUMERAL.finditer(text)]
    found += [(m.start(), m.end(), numbers_in(m.group(0))[0]) for m in WORD.finditer(text)]
    return sorted(found)


USED = """
PREFIX azkg: <https://w3id.org/azkg/def/>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?source ?start ?end ?number WHERE {
  ?fact azkg:statedIn ?source ; prov:wasDerivedFrom/oa:hasSelector ?p .
  ?p oa:start ?start ; oa:end ?end .
  { ?fact azkg:value ?number }
  UNION { ?fact azkg:object ?o FILTER (DATATYPE(?o) IN (xsd:date, xsd:gYear)) BIND (STR(?o) AS ?number) }
  UNION { ?fact azkg:since ?s BIND (STR(?s) AS ?number) }
  UNION { ?fact azkg:period ?period BIND (?period AS ?number) }
}
"""
PREFIXES = "PREFIX prov: <http://www.w3.org/ns/prov#>\nPREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"


def numbers_of(value: str) -> set[Decimal]:
    """The numbers a used value stands for: 6700000000, or the parts of 2026-01-27 / 2018/2024 / 2025-Q1."""
    if re.fullmatch(r"-?\d+(\.\d+)?", value):
        return {Decimal(value)}
    return {Decimal(part) for part in re.findall(r"\d+", value)}


@pytest.mark.parametrize("source_id", ["azernews-2026-01-27", "industrial-clusters-2025"])
def test_every_number_in_the_source_is_a_fact(store: pyoxigraph.Store, source_id: str) -> None:
    text = (ROOT / "data" / "sources" / f"{source_id}.txt").read_text(encoding="utf-8")
    rows = store.query(PREFIXES + USED, substitutions={
        pyoxigraph.Variable("source"): pyoxigraph.NamedNode(f"https://w3id.org/azkg/source/{source_id}")
    })
    used = [(int(r["start"].value), int(r["end"].value), numbers_of(r["number"].value)) for r in rows]
    excused = [(text.index(around), text.index(around) + len(around)) for s, around, _ in NOT_FIGURES if s == source_id]
    missing = []
    for start, end, number in mentions(text):
        if any(a <= start and end <= b for a, b in excused):
            continue
        if not any(a <= start and end <= b and number in numbers for a, b, numbers in used):
            missing.append(f"{text[max(0, start - 30):end + 20]!r} ({number})")
    assert not missing, "numbers no fact uses:\n" + "\n".join(missing)


def test_the_check_fails_when_a_figure_is_missing(store: pyoxigraph.Store) -> None:
    """Remove the facts of one quote from a copy of the graph: its number must be reported missing."""
    copy = pyoxigraph.Store()
    copy.extend(store)
    copy.update(
        PREFIXES + "PREFIX azkg: <https://w3id.org/azkg/def/>\nDELETE { ?f ?p ?o } WHERE { "
        "?f azkg:about <https://w3id.org/azkg/id/sumgayit-industrial-park> ; "
        "azkg:value ?v ; ?p ?o FILTER (?v = 640) }"
    )
    with pytest.raises(AssertionError, match=r"640 hectares"):
        test_every_number_in_the_source_is_a_fact(copy, "azernews-2026-01-27")
