"""The terms the code names (AZKG.residentIn, AZKG["metric/area"]) are terms the ontology declares."""

from __future__ import annotations

import re

from rdflib import URIRef

from azkg.build.ontology import load_ontology
from azkg.vocab import AZKG, PREFIXES
from tests.conftest import REPO, ROOT

USES = re.compile(r"""AZKG(?:\.(\w+)|\[["']([\w/-]+)["']\])""")


def test_every_term_the_code_names_is_declared() -> None:
    declared = set(load_ontology(ROOT / "ontology").graph.subjects())
    named = set()
    for path in sorted((REPO / "src" / "azkg").rglob("*.py")):
        for attribute, key in USES.findall(path.read_text(encoding="utf-8")):
            named.add(attribute or key)
    assert named, "the pattern found no use of AZKG at all"
    undeclared = sorted(term for term in named if URIRef(AZKG + term) not in declared)
    assert not undeclared, f"named in src/azkg but not declared in ontology/: {undeclared}"


def test_prefixes_are_distinct() -> None:
    assert len({str(ns) for ns in PREFIXES.values()}) == len(PREFIXES)
