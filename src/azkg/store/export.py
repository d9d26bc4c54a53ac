"""Exports of the whole graph: the data graph as an RDF dump in six syntaxes, and the figures as one
CSV for spreadsheets. Each is written to a binary file-like object as it is produced (pyoxigraph
serialises in Rust and writes 8 KiB at a time), so memory stays the same whatever the store's size.

What a dump holds (decided 2026-11-22): the data graph `https://w3id.org/azkg/graph/data` — the
triples of data/triples.ttl plus whatever writes added — and not the ontology, which is published
apart. The triple syntaxes (nt, ttl, jsonld, rdfxml) hold its triples; the quad syntaxes (nq, trig)
put them in the named graph, so that loading a dump into a store recreates the graph. A dump is the
graph as the store holds it: pyoxigraph keeps typed literals by value, so `640.0` comes back as
`"640"^^xsd:decimal`, the same value (decision 0006).
"""

from __future__ import annotations

import csv
import io
import zlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Protocol

import pyoxigraph

from azkg.prefixes import PREFIXES
from azkg.sparql.evaluation import evaluate
from azkg.sparql.formats import CSV, Format, rdf_syntax
from azkg.sparql.named_queries import named_query
from azkg.store.snapshots import DATA_GRAPH

QUAD_SYNTAXES = ("nquads", "trig")  # the ones that name the data graph
NUMBERS = {f"http://www.w3.org/2001/XMLSchema#{t}" for t in ("decimal", "integer", "double", "float")}
CSV_BATCH = 1 << 16  # characters of CSV gathered before a write
CSV_COLUMNS = {  # header -> variable of queries/figures-csv.rq
    "fact": "fact",
    "entity": "entity",
    "entity_label": "entityLabel",
    "metric": "metric",
    "metric_label": "metricLabel",
    "value": "value",
    "unit": "unit",
    "unit_label": "unitLabel",
    "currency": "currency",
    "as_of": "asOf",
    "as_of_not_before": "asOfNotBefore",
    "period": "period",
    "period_start": "periodStart",
    "period_end": "periodEnd",
    "approximation": "approximation",
    "status": "status",
    "phase": "phase",
    "product": "product",
    "per_period": "perPeriod",
    "source": "source",
    "source_label": "sourceLabel",
    "quote": "quote",
    "quote_start": "start",
    "quote_end": "end",
}


class Output(Protocol):
    """Where an export goes: a binary file, standard output, a GzipWriter, an HTTP response's queue."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


@dataclass(frozen=True)
class Export:
    name: str  # the value of `azkg export --format`
    filename: str  # the file under /dumps/
    media_type: str
    title: str
    syntax: Format | None  # None: the figures CSV


def _rdf_export(name: str) -> Export:
    syntax = rdf_syntax(name)
    title = f"the data graph as {syntax.rdf_format.name}"
    return Export(name, f"azkg.{syntax.extension}", syntax.media_type, title, syntax)


EXPORTS = (
    *(_rdf_export(name) for name in ("nt", "nq", "ttl", "trig", "jsonld", "rdfxml")),
    Export("csv", f"facts.{CSV.extension}", f"{CSV.media_type}; charset=utf-8",
           "the figures as CSV, one row per figure", None),
)


def export_named(name: str) -> Export:
    """An export by its `--format` name; KeyError for an unknown one."""
    for export in EXPORTS:
        if export.name == name:
            return export
    raise KeyError(name)


def export_of_file(filename: str) -> tuple[Export, bool] | None:
    """The export a dump's file name asks for, and whether it is the gzipped file (`azkg.ttl.gz`)."""
    packed = filename.endswith(".gz")
    wanted = filename.removesuffix(".gz")
    for export in EXPORTS:
        if export.filename == wanted:
            return export, packed
    return None


def write_export(store: pyoxigraph.Store, export: Export, output: Output) -> None:
    if export.syntax is None:
        write_figures_csv(store, output)
    else:
        write_dump(store, export.syntax, output)


def write_dump(store: pyoxigraph.Store, syntax: Format, output: Output) -> None:
    """The data graph in `syntax`; the quad syntaxes name the graph."""
    prefixes = None if syntax.name in ("ntriples", "nquads") else PREFIXES
    if syntax.name in QUAD_SYNTAXES:
        quads = store.quads_for_pattern(None, None, None, DATA_GRAPH)
        pyoxigraph.serialize(quads, output, format=syntax.rdf, prefixes=prefixes)  # type: ignore[arg-type]  # write() only
    else:
        store.dump(output, format=syntax.rdf, from_graph=DATA_GRAPH, prefixes=prefixes)  # type: ignore[arg-type]  # write() only


def write_figures_csv(store: pyoxigraph.Store, output: Output) -> None:
    """One row per figure (queries/figures-csv.rq), UTF-8 with a header row, RFC 4180 quoting."""
    text = io.StringIO()
    rows = csv.writer(text, lineterminator="\r\n")
    rows.writerow(CSV_COLUMNS)
    for solution in evaluate(store, named_query("figures-csv")):
        rows.writerow(_cell(solution[variable]) for variable in CSV_COLUMNS.values())
        if text.tell() >= CSV_BATCH:
            output.write(text.getvalue().encode("utf-8"))
            text.seek(0)
            text.truncate()
    output.write(text.getvalue().encode("utf-8"))


def _cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, pyoxigraph.Literal) and term.datatype.value in NUMBERS:
        try:
            return format(Decimal(term.value), "f")  # a plain decimal, never 6.7E9
        except InvalidOperation:
            return term.value
    return term.value  # type: ignore[attr-defined]


class GzipWriter:
    """A binary file-like object that gzips what it is given into `raw`; close() writes the trailer
    (and leaves `raw` open). flush() is a no-op, so that callers' flushes cost no compression."""

    def __init__(self, raw: Output, level: int = 6):
        self.raw = raw
        self.compressor = zlib.compressobj(level, zlib.DEFLATED, 31)  # wbits 31: the gzip wrapper

    def write(self, data: bytes) -> int:
        packed = self.compressor.compress(data)
        if packed:
            self.raw.write(packed)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.raw.write(self.compressor.flush())
