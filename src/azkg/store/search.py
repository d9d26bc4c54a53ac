"""Text search: an SQLite FTS5 index of the store's names and quotes, one file per store snapshot.

Entities are found by label and alias, facts by the words of their quotes (and their labels); case
and accents do not matter ("unicode61 remove_diacritics 2"), and the last word of a query matches as
a prefix, for autocompletion. SQLite folds ş ç ğ ö ü and İ itself but leaves ə and ı alone, so
`fold` maps those (ə→e, ı→i) in the indexed text and in queries alike.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

from azkg.errors import RequestError
from azkg.sparql.evaluation import evaluate
from azkg.sparql.named_queries import named_query

KINDS = ("entity", "fact")
MAX_QUERY_CHARS = 200
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000
WEIGHTS = (10.0, 4.0, 1.0)  # bm25 weights of the columns label, aliases, quote
SCHEMA = """CREATE VIRTUAL TABLE hits USING fts5(
  label, aliases, quote, kind UNINDEXED, iri UNINDEXED, label_key UNINDEXED, alias_keys UNINDEXED,
  record UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')"""
SEARCH = f"""SELECT kind, iri, record, -bm25(hits, {", ".join(map(str, WEIGHTS))}) AS score,
  CASE WHEN label_key = :key THEN 0 WHEN instr(alias_keys, :wrapped) > 0 THEN 1 ELSE 2 END AS exact
FROM hits WHERE hits MATCH :match AND (:kind IS NULL OR kind = :kind)
ORDER BY exact, score DESC, kind, iri LIMIT :limit OFFSET :offset"""
COUNT = "SELECT count(*) FROM hits WHERE hits MATCH :match AND (:kind IS NULL OR kind = :kind)"
FACT_FIELDS = {"label": "label", "entity": "entity", "entityLabel": "entity_label", "source": "source",
               "sourceLabel": "source_label"}  # variable of search-facts.rq: field of Hit
SEPARATOR = "\x1f"
WORD = re.compile(r"[^\W_]+")
UNFOLDED = str.maketrans({"ə": "e", "Ə": "E", "ı": "i"})


@dataclass(frozen=True)
class Hit:
    kind: str  # 'entity' or 'fact'
    iri: str
    label: str
    score: float
    aliases: list[str] = field(default_factory=list)  # entities
    types: list[str] = field(default_factory=list)  # entities: the most specific azkg classes
    quote: str | None = None  # facts: the exact text of the quote
    entity: str | None = None  # facts: what the fact is about
    entity_label: str | None = None
    source: str | None = None  # facts: where it is stated
    source_label: str | None = None


@dataclass(frozen=True)
class SearchPage:
    total: int
    hits: list[Hit]


def fold(text: str) -> str:
    """The text as the index sees it before SQLite's own folding: composed, with ə and ı as e and i."""
    return unicodedata.normalize("NFKC", text).translate(UNFOLDED)


def key(text: str) -> str:
    """The words of a name, folded like the index folds them: for recognising an exact name."""
    bare = unicodedata.normalize("NFKD", fold(text).casefold())
    return " ".join(WORD.findall("".join(c for c in bare if not unicodedata.combining(c))))


def match_expression(text: str) -> str | None:
    """A safe FTS5 query: every word quoted (so no input is FTS5 syntax), the last one a prefix."""
    words = WORD.findall(fold(text))
    if not words:
        return None
    return " ".join(f'"{word}"' for word in words) + "*"


INDEX_QUERIES = ("search-entities", "search-facts")  # named queries whose rows make the index


def build_index(store: pyoxigraph.Store, path: Path) -> int:
    """Write the index of a store open in this process to `path`; the number of entries. The service
    runs INDEX_QUERIES through its query workers instead, and calls `write_index` with their rows."""
    entity_rows, fact_rows = (_solutions(store, name) for name in INDEX_QUERIES)
    return write_index(entity_rows, fact_rows, path)


def _solutions(store: pyoxigraph.Store, name: str) -> list[dict[str, str]]:
    results = evaluate(store, named_query(name))
    names = [variable.value for variable in results.variables]
    return [{v: row[v].value for v in names if row[v] is not None} for row in results]


def write_index(entity_rows: list[dict[str, str]], fact_rows: list[dict[str, str]], path: Path) -> int:
    """Write the index of INDEX_QUERIES' rows ({variable: value}, unbound ones left out) to `path`, whole
    or not at all; the number of entries."""
    rows = _entity_rows(entity_rows) + _fact_rows(fact_rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        connection = sqlite3.connect(temp)
        try:
            with connection:
                connection.execute(SCHEMA)
                connection.executemany("INSERT INTO hits VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
                connection.execute("INSERT INTO hits(hits) VALUES ('optimize')")
        finally:
            connection.close()
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return len(rows)


def _entity_rows(found: list[dict[str, str]]) -> list[tuple]:
    names: dict[str, dict[str, list[str]]] = {}
    for row in found:
        roles = names.setdefault(row["iri"], {"label": [], "prefLabel": [], "alias": [], "type": []})
        roles[row["role"]].append(row["value"])
    rows = []
    for iri, roles in names.items():
        labels = roles["label"] or roles["prefLabel"] or roles["alias"]
        label = labels[0]
        aliases = _unique(n for n in roles["label"] + roles["prefLabel"] + roles["alias"] if n != label)
        record = {"label": label, "aliases": aliases, "types": _unique(roles["type"])}
        alias_keys = SEPARATOR + SEPARATOR.join(key(a) for a in aliases) + SEPARATOR
        rows.append((fold(label), fold(" ; ".join(aliases)), "", "entity", iri, key(label), alias_keys,
                     json.dumps(record, ensure_ascii=False)))
    return rows


def _fact_rows(found: list[dict[str, str]]) -> list[tuple]:
    facts: dict[str, dict] = {}
    quotes: dict[str, list[str]] = {}
    for row in found:
        iri = row["fact"]
        fact = facts.setdefault(iri, dict.fromkeys(FACT_FIELDS.values()))
        quotes[iri] = _unique([*quotes.get(iri, []), row["exact"]])
        for variable, name in FACT_FIELDS.items():
            if row.get(variable) is not None and fact[name] is None:
                fact[name] = row[variable]
    rows = []
    for iri, fact in facts.items():
        record = {**fact, "label": fact["label"] or iri, "quote": " … ".join(quotes[iri])}
        rows.append((fold(fact["label"] or ""), "", fold(record["quote"]), "fact", iri, "", "",
                     json.dumps(record, ensure_ascii=False)))
    return rows


def _unique(values) -> list[str]:
    return list(dict.fromkeys(values))


def search(path: Path, q: str, kind: str | None, limit: int, offset: int) -> SearchPage:
    """A page of hits for `q`, best first: exact names, then by bm25 (labels over aliases over quotes)."""
    check_request(q, kind, limit, offset)
    expression = match_expression(q)
    if expression is None:
        return SearchPage(0, [])
    query_key = key(q) or None  # None matches no name
    wrapped = SEPARATOR + query_key + SEPARATOR if query_key else None
    parameters = {"match": expression, "kind": kind, "key": query_key, "wrapped": wrapped, "limit": limit,
                  "offset": offset}
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        total = connection.execute(COUNT, parameters).fetchone()[0]
        rows = connection.execute(SEARCH, parameters).fetchall()
    finally:
        connection.close()
    return SearchPage(total, [_hit(*row) for row in rows])


def _hit(kind: str, iri: str, record: str, score: float, exact: int) -> Hit:
    return Hit(kind=kind, iri=iri, score=round(score, 4), **json.loads(record))


def check_request(q: str, kind: str | None, limit: int, offset: int) -> None:
    """RequestError (400) naming the parameter that is out of bounds."""
    if not q or not q.strip():
        raise RequestError("parameter q is empty; give the words to search for")
    if len(q) > MAX_QUERY_CHARS:
        raise RequestError(f"parameter q has {len(q)} characters; at most {MAX_QUERY_CHARS} are allowed")
    if kind is not None and kind not in KINDS:
        raise RequestError(f"parameter kind must be {' or '.join(KINDS)} (or left out for both), not {kind[:40]!r}")
    if not 1 <= limit <= MAX_LIMIT:
        raise RequestError(f"parameter limit must be between 1 and {MAX_LIMIT}, not {limit}")
    if not 0 <= offset <= MAX_OFFSET:
        raise RequestError(f"parameter offset must be between 0 and {MAX_OFFSET}, not {offset}")
