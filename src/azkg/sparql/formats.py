"""RDF and query-result formats: one table, keyed by name, alias, file extension and media type."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import QueryResultsFormat, RdfFormat

from azkg.errors import UnknownFormatError


@dataclass(frozen=True)
class RdfSyntax:
    name: str
    oxigraph: RdfFormat
    aliases: tuple[str, ...]

    @property
    def media_type(self) -> str:
        return self.oxigraph.media_type

    @property
    def extension(self) -> str:
        return self.oxigraph.file_extension


RDF_SYNTAXES = (
    RdfSyntax("turtle", RdfFormat.TURTLE, ("ttl", "turtle")),
    RdfSyntax("ntriples", RdfFormat.N_TRIPLES, ("nt", "ntriples", "n-triples")),
    RdfSyntax("nquads", RdfFormat.N_QUADS, ("nq", "nquads", "n-quads")),
    RdfSyntax("trig", RdfFormat.TRIG, ("trig",)),
    RdfSyntax("jsonld", RdfFormat.JSON_LD, ("jsonld", "json-ld")),
    RdfSyntax("rdfxml", RdfFormat.RDF_XML, ("rdf", "rdfxml", "rdf-xml", "xml", "owl")),
    RdfSyntax("n3", RdfFormat.N3, ("n3",)),
)

RESULT_SYNTAXES = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}


def rdf_syntax(name: str) -> RdfSyntax:
    """A syntax by name, alias, extension or media type: 'ttl', 'turtle', 'text/turtle'."""
    wanted = name.strip().lower()
    for syntax in RDF_SYNTAXES:
        if wanted == syntax.name or wanted in syntax.aliases or wanted == syntax.media_type:
            return syntax
    known = ", ".join(s.name for s in RDF_SYNTAXES)
    raise UnknownFormatError(f"unknown RDF format '{name}'; use one of: {known}")


def rdf_syntax_of(path: Path) -> RdfSyntax:
    """The syntax a file's extension names (a trailing .gz is not supported: decompress first)."""
    suffix = path.suffix.lstrip(".")
    if not suffix:
        raise UnknownFormatError(f"{path}: no file extension to tell its RDF format (.ttl, .nt, .nq, .trig, ...)")
    try:
        return rdf_syntax(suffix)
    except UnknownFormatError:
        known = ", ".join(f".{a}" for s in RDF_SYNTAXES for a in s.aliases[:1])
        raise UnknownFormatError(f"{path}: unknown RDF file extension '.{suffix}'; use one of: {known}") from None
