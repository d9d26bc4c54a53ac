"""What a build changes against the committed graph: facts added and removed, new entities, new conflicts.

Conflicts are counted as src/azkg/sparql/queries/conflicts.rq defines them: two sources give different
values for the same entity, metric, currency or unit, status, product and period.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from azkg.vocab import AZKG, BASE, ID

FACT_TYPES = (AZKG.FigureFact, AZKG.RelationFact)
ENTITY_BASE = str(ID)

ConflictKey = tuple[str, ...]


@dataclass(frozen=True)
class Changes:
    added_facts: tuple[str, ...]
    removed_facts: tuple[str, ...]
    new_entities: tuple[str, ...]
    removed_entities: tuple[str, ...]
    new_conflicts: tuple[ConflictKey, ...]  # (entity, metric, measure, status, product, period)

    @property
    def any(self) -> bool:
        return any((self.added_facts, self.removed_facts, self.new_entities, self.removed_entities, self.new_conflicts))

    def lines(self) -> list[str]:
        short = _short
        found = [
            (self.added_facts, "fact(s) added"),
            (self.removed_facts, "fact(s) removed"),
            (self.new_entities, "new entit(y/ies)"),
            (self.removed_entities, "entit(y/ies) removed"),
        ]
        lines = [f"{len(items)} {what}: {', '.join(short(i) for i in items[:8])}{' ...' if len(items) > 8 else ''}"
                 for items, what in found if items]
        lines += [f"new conflict: {short(k[0])} {short(k[1])} ({k[2]})" for k in self.new_conflicts]
        return lines


def compare(old: Graph | None, new: Graph) -> Changes:
    before = old if old is not None else Graph()
    old_facts, new_facts = _facts(before), _facts(new)
    old_entities, new_entities = _entities(before), _entities(new)
    old_conflicts = conflicts(before)
    return Changes(
        tuple(sorted(new_facts - old_facts)),
        tuple(sorted(old_facts - new_facts)),
        tuple(sorted(new_entities - old_entities)),
        tuple(sorted(old_entities - new_entities)),
        tuple(sorted(set(conflicts(new)) - set(old_conflicts))),
    )


def conflicts(graph: Graph) -> dict[ConflictKey, set[tuple[str, str]]]:
    """Conflict keys, each with its (source, value) pairs, where two sources give different values."""
    groups: dict[ConflictKey, set[tuple[str, str]]] = {}
    for fact in graph.subjects(RDF.type, AZKG.FigureFact):
        measure = graph.value(fact, AZKG.currency) or graph.value(fact, AZKG.unit) or ""
        about, metric, status, product, period = (
            str(graph.value(fact, prop) or "")
            for prop in (AZKG.about, AZKG.metric, AZKG.status, AZKG.product, AZKG.period)
        )
        key = (about, metric, str(measure), status, product, period)
        value = graph.value(fact, AZKG.value)
        groups.setdefault(key, set()).add((str(graph.value(fact, AZKG.statedIn)), str(value)))
    return {key: pairs for key, pairs in groups.items() if _disagree(pairs)}


def _disagree(pairs: set[tuple[str, str]]) -> bool:
    return any(s1 != s2 and float(v1) != float(v2) for s1, v1 in pairs for s2, v2 in pairs)


def _facts(graph: Graph) -> set[str]:
    return {str(s) for kind in FACT_TYPES for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef)}


def _entities(graph: Graph) -> set[str]:
    return {str(s) for s in set(graph.subjects(RDF.type, None)) if str(s).startswith(ENTITY_BASE)}


def _short(iri: str) -> str:
    return iri[len(BASE):] if iri.startswith(BASE) else iri
