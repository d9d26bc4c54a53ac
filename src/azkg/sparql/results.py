"""Writing query answers in chunks, so that a large answer never sits whole in memory.

SELECT and ASK answers are written here, by the W3C formats' specs (SPARQL 1.1 Query Results JSON,
XML, CSV and TSV), because pyoxigraph's serialiser consumes a whole result and cannot stop at a row
cap. Graph answers (CONSTRUCT, DESCRIBE) are serialised by pyoxigraph chunk by chunk where the
syntax allows concatenation (N-Triples, N-Quads, Turtle without prefixes) and whole otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring as _quoted  # a JSON string, as json.dumps(ensure_ascii=False) writes it
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph

from azkg.sparql.formats import graph_format, results_format

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

CONCATENABLE = {
    pyoxigraph.RdfFormat.TURTLE,
    pyoxigraph.RdfFormat.N_TRIPLES,
    pyoxigraph.RdfFormat.N_QUADS,
    pyoxigraph.RdfFormat.TRIG,
}


def write_boolean(value: bool, media_type: str) -> bytes:
    if _writer(media_type) == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    return (
        '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
        f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n"
    ).encode()


TRUNCATION_NOTICE = "sparql/truncated?max_rows={}"  # relative to /sparql's folder, so it works under any prefix


def write_solutions(
    variables: list[str], rows: Iterable[list[object]], media_type: str, link: str | None = None
) -> Iterator[bytes]:
    """The answer in chunks: a head (with `link`, in JSON and XML), then rows (each a list of terms or
    None) in groups."""
    kind = _writer(media_type)
    head, row, separator, tail = {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}[kind](variables, link)
    buffer = [head]
    size = len(head)
    for index, values in enumerate(rows):
        text = (separator if index else "") + row(values)
        buffer.append(text)
        size += len(text)
        if size >= 1 << 16:
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    buffer.append(tail)
    yield "".join(buffer).encode("utf-8")


def write_triples(triples: Iterable[pyoxigraph.Triple], media_type: str, chunk: int = 2000) -> Iterator[bytes]:
    syntax = _rdf(media_type)
    if syntax not in CONCATENABLE:
        yield pyoxigraph.serialize(list(triples), format=syntax) or b""
        return
    batch: list[pyoxigraph.Triple] = []
    for triple in triples:
        batch.append(triple)
        if len(batch) >= chunk:
            yield pyoxigraph.serialize(batch, format=syntax) or b""
            batch = []
    yield pyoxigraph.serialize(batch, format=syntax) or b""


def says_cut(media_type: str) -> bool:
    """Whether an answer in this media type has a place (a head link) to say it was cut."""
    found = results_format(media_type)
    return found is not None and found.says_cut


def _writer(media_type: str) -> str:
    """Which of the writers below writes a results media type: the format's name (json, xml, csv, tsv)."""
    found = results_format(media_type)
    if found is None:
        raise KeyError(media_type)
    return found.name


def _rdf(media_type: str) -> pyoxigraph.RdfFormat:
    found = graph_format(media_type)
    if found is None or found.rdf is None:
        raise KeyError(media_type)
    return found.rdf


def _json(variables: list[str], link: str | None):
    keys = [_quoted(name) + ":" for name in variables]

    def row(values: list[object]) -> str:  # written as strings: 2.7x faster than a dict through json per row
        cells = (key + _json_term(term) for key, term in zip(keys, values, strict=True) if term is not None)
        return "{" + ",".join(cells) + "}"

    links = ',"link":' + json.dumps([link]) if link else ""
    head = '{"head":{"vars":' + json.dumps(variables) + links + '},"results":{"bindings":['
    return head, row, ",", "]}}"


def _json_term(term: object) -> str:
    if isinstance(term, pyoxigraph.NamedNode):
        return '{"type":"uri","value":' + _quoted(term.value) + "}"
    if isinstance(term, pyoxigraph.BlankNode):
        return '{"type":"bnode","value":' + _quoted(term.value) + "}"
    if isinstance(term, pyoxigraph.Literal):
        value = '{"type":"literal","value":' + _quoted(term.value)
        if term.language:
            return value + ',"xml:lang":' + _quoted(term.language) + "}"
        datatype = term.datatype.value
        return value + ("}" if datatype == XSD_STRING else ',"datatype":' + _quoted(datatype) + "}")
    return '{"type":"literal","value":' + _quoted(str(term)) + "}"


def _xml(variables: list[str], link: str | None):
    def row(values: list[object]) -> str:
        cells = "".join(
            f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>"
            for name, term in zip(variables, values, strict=True)
            if term is not None
        )
        return f"<result>{cells}</result>"

    head = (
        '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
        + "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
        + (f"<link href={quoteattr(link)}/>" if link else "")
        + "</head><results>"
    )
    return head, row, "\n", "</results></sparql>\n"


def _xml_term(term: object) -> str:
    if isinstance(term, pyoxigraph.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, pyoxigraph.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def _csv(variables: list[str], link: str | None):
    def row(values: list[object]) -> str:
        return ",".join(_csv_cell(term) for term in values)

    return ",".join(variables) + "\r\n", row, "\r\n", "\r\n"


def _csv_cell(term: Any) -> str:
    if term is None:
        return ""
    text = term.value if isinstance(term, pyoxigraph.NamedNode | pyoxigraph.Literal) else f"_:{term.value}"
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _tsv(variables: list[str], link: str | None):
    def row(values: list[object]) -> str:
        return "\t".join("" if term is None else str(term) for term in values)

    return "\t".join(f"?{v}" for v in variables) + "\n", row, "\n", "\n"
