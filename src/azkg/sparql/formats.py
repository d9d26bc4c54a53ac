"""Every media type and format azkg reads or writes: one registry, keyed by name, alias, file suffix and
media type (rdflib's plugin registry is the model: `turtle`, `ttl` and `text/turtle` name one format).

Where a media type is added: here, and only here. Give its format a `Format(...)` line in FORMATS (or
add the type to an existing format's `media_types`, after the preferred one), then name the format in
the offers below that should answer with it (an offer is what one kind of answer can be given as, in
the server's order of preference). Every other module asks this one: negotiation (azkg.sparql.negotiation)
picks among an offer's types and answers 406 with them; tests/test_formats.py fails when a media type is
spelled anywhere else in src/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import QueryResultsFormat, RdfFormat

from azkg.errors import UnknownFormatError

# what a format can carry, the kinds that scope a name ('xml' is SPARQL results XML or RDF/XML by kind)
SOLUTIONS = "solutions"  # SELECT answers
BOOLEAN = "boolean"  # ASK answers
GRAPH = "graph"  # RDF triples: CONSTRUCT and DESCRIBE answers, documents, uploads, dumps
DATASET = "dataset"  # RDF quads: named graphs
PAGE = "page"  # HTML for browsers
API = "api"  # our JSON API (search, dumps, entities)
TEXT = "text"  # plain-text messages (errors, metrics)
TABLE = "table"  # the figures CSV
REQUEST = "request"  # request bodies: SPARQL query and update, forms
ARCHIVE = "archive"  # gzipped files


@dataclass(frozen=True)
class Format:
    name: str
    media_types: tuple[str, ...]  # the preferred first: what we answer with; the rest we also answer to
    carries: frozenset[str]
    aliases: tuple[str, ...] = ()  # other names: the `format` parameter, `--format`, older spellings
    suffixes: tuple[str, ...] = ()  # file extensions, the first the one we write
    rdf: RdfFormat | None = None  # pyoxigraph's parser and serialiser
    results: QueryResultsFormat | None = None  # pyoxigraph's result serialiser
    says_cut: bool = False  # the results have a place (a head link) to say an answer was cut
    legacy: tuple[str, ...] = ()  # unregistered media types that clients send for this format
    answered_by: str | None = None  # the format we answer a request for this one with
    w3c: str | None = None  # its name under http://www.w3.org/ns/formats/, for the service description
    names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", frozenset({self.name, *self.aliases}))

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def rdf_format(self) -> RdfFormat:
        """pyoxigraph's format of an RDF syntax (rdf_syntax and the graph offers give only those)."""
        if self.rdf is None:
            raise UnknownFormatError(f"{self.name} is not an RDF format")
        return self.rdf

    @property
    def extension(self) -> str:
        return self.suffixes[0]


# The order matters where a name is looked up without a kind: the `format` parameter's 'json' and
# 'xml' are the SPARQL result formats, as SPARQL clients mean them.
FORMATS = (
    Format("json", ("application/sparql-results+json", "application/json"), frozenset({SOLUTIONS, BOOLEAN}),
           suffixes=("srj",), results=QueryResultsFormat.JSON, says_cut=True, w3c="SPARQL_Results_JSON"),
    Format("xml", ("application/sparql-results+xml", "application/xml"), frozenset({SOLUTIONS, BOOLEAN}),
           suffixes=("srx",), results=QueryResultsFormat.XML, says_cut=True, w3c="SPARQL_Results_XML"),
    Format("csv", ("text/csv",), frozenset({SOLUTIONS, TABLE}), suffixes=("csv",), results=QueryResultsFormat.CSV,
           w3c="SPARQL_Results_CSV"),
    Format("tsv", ("text/tab-separated-values",), frozenset({SOLUTIONS}), suffixes=("tsv",),
           results=QueryResultsFormat.TSV, w3c="SPARQL_Results_TSV"),
    Format("turtle", ("text/turtle",), frozenset({GRAPH}), ("ttl",), ("ttl",), RdfFormat.TURTLE, w3c="Turtle",
           legacy=("application/turtle", "application/x-turtle")),  # SPARQLWrapper's Turtle list
    Format("ntriples", ("application/n-triples", "text/plain"), frozenset({GRAPH}), ("nt", "n-triples"), ("nt",),
           RdfFormat.N_TRIPLES, w3c="N-Triples"),  # N-Triples is plain text: SPARQL clients may ask for text/plain
    Format("nquads", ("application/n-quads",), frozenset({GRAPH, DATASET}), ("nq", "n-quads"), ("nq",),
           RdfFormat.N_QUADS, w3c="N-Quads"),
    Format("trig", ("application/trig",), frozenset({GRAPH, DATASET}), (), ("trig",), RdfFormat.TRIG, w3c="TriG"),
    Format("jsonld", ("application/ld+json", "application/json"), frozenset({GRAPH, DATASET}), ("json-ld",),
           ("jsonld",), RdfFormat.JSON_LD, w3c="JSON-LD", legacy=("application/x-json+ld",)),  # SPARQLWrapper's JSON-LD
    Format("rdfxml", ("application/rdf+xml",), frozenset({GRAPH}), ("rdf", "rdf-xml", "rdf+xml", "xml", "owl"),
           ("rdf", "owl"), RdfFormat.RDF_XML, w3c="RDF_XML"),
    Format("n3", ("text/n3", "text/rdf+n3"), frozenset({GRAPH}), (), ("n3",), RdfFormat.N3, w3c="N3",
           answered_by="turtle"),  # Turtle is N3: a client asking for N3 reads our Turtle
    Format("html", ("text/html",), frozenset({PAGE}), suffixes=("html",)),
    Format("json-api", ("application/json",), frozenset({API}), suffixes=("json",)),
    Format("text", ("text/plain",), frozenset({TEXT}), suffixes=("txt",)),
    Format("form", ("application/x-www-form-urlencoded",), frozenset({REQUEST})),
    Format("sparql-query", ("application/sparql-query",), frozenset({REQUEST}), suffixes=("rq",)),
    Format("sparql-update", ("application/sparql-update",), frozenset({REQUEST}), suffixes=("ru",)),
    Format("gzip", ("application/gzip",), frozenset({ARCHIVE}), suffixes=("gz",)),
)
BY_NAME = {f.name: f for f in FORMATS}
# media types a client may send that we answer with another format's preferred type
ACCEPT_ALIASES = {legacy: f.media_type for f in FORMATS for legacy in f.legacy} | {
    media_type: BY_NAME[f.answered_by].media_type for f in FORMATS if f.answered_by for media_type in f.media_types
}


@dataclass(frozen=True)
class Offer:
    """What one kind of answer can be given as: media types in the server's order of preference, which
    decides ties and what */* or no Accept gets."""

    formats: tuple[Format, ...]
    media_types: tuple[str, ...]

    def format_of(self, media_type: str) -> Format:
        """The format of one of the offered types (application/json is JSON-LD where JSON-LD is offered)."""
        return next(f for f in self.formats if media_type in f.media_types)


def offer(*names: str, also: tuple[str, ...] = ()) -> Offer:
    """The formats' preferred types in this order, then the other types of the formats named in `also`."""
    formats = tuple(BY_NAME[name] for name in names)
    others = tuple(media_type for name in also for media_type in BY_NAME[name].media_types[1:])
    return Offer(formats, tuple(f.media_type for f in formats) + others)


SELECT_OFFER = offer("json", "xml", "csv", "tsv", also=("json", "xml"))
ASK_OFFER = offer("json", "xml", also=("json", "xml"))  # CSV and TSV cannot carry a boolean
# CONSTRUCT/DESCRIBE: Turtle first, so that */* and no Accept give Turtle, never N-Quads
GRAPH_OFFER = offer("turtle", "ntriples", "jsonld", "rdfxml", "nquads", "trig", also=("ntriples",))
GRAPH_STORE_OFFER = offer("turtle", "ntriples", "jsonld", "rdfxml", also=("ntriples",))  # one graph: no quads
DESCRIPTION_OFFER = offer("turtle", "ntriples", "jsonld", "rdfxml")  # VoID and the service description
# Turtle first: a client that sends no Accept (or */*) gets RDF; browsers ask for text/html by name;
# plain JSON clients get JSON-LD
RESOURCE_OFFER = offer("turtle", "html", "ntriples", "jsonld", "rdfxml", also=("jsonld",))
DOCUMENT_FORMATS = tuple(BY_NAME[n] for n in ("turtle", "ntriples", "jsonld", "rdfxml", "html"))  # .ttl ... .html
LISTING_OFFER = offer("json-api", "html")  # search results, the list of dumps
ERROR_OFFER = offer("text", "json-api", "html")
API_ERROR_OFFER = offer("json-api", "text", "html")  # the JSON API's clients get JSON by default
UPLOAD_OFFER = offer("turtle", "ntriples", "jsonld", "rdfxml", "n3")  # Graph Store writes
FORM, SPARQL_QUERY, SPARQL_UPDATE = BY_NAME["form"], BY_NAME["sparql-query"], BY_NAME["sparql-update"]
HTML, TEXT_PLAIN, JSON_API, GZIP = BY_NAME["html"], BY_NAME["text"], BY_NAME["json-api"], BY_NAME["gzip"]
CSV, JSON_RESULTS = BY_NAME["csv"], BY_NAME["json"]


def format_named(name: str, carrying: str | None = None) -> Format:
    """A format by name or alias ('ttl', 'turtle'), the first in FORMATS that carries `carrying`."""
    wanted = name.strip().lower()
    for candidate in _carrying(carrying):
        if wanted in candidate.names:
            return candidate
    known = ", ".join(f.name for f in _carrying(carrying))
    raise UnknownFormatError(f"unknown format '{name}'; use one of: {known}")


def format_of_media_type(media_type: str, carrying: str | None = None) -> Format | None:
    """The format a media type names (parameters such as charset ignored), the first that carries `carrying`."""
    wanted = media_type.split(";")[0].strip().lower()
    return next((f for f in _carrying(carrying) if wanted in f.media_types), None)


def results_format(media_type: str) -> Format | None:
    """The SPARQL results format of a media type; None for RDF and everything else."""
    return format_of_media_type(media_type, SOLUTIONS)


def graph_format(media_type: str) -> Format | None:
    """The RDF format we write for a media type (text/plain is N-Triples here)."""
    return format_of_media_type(media_type, GRAPH)


def result_formats() -> tuple[Format, ...]:
    """The formats a SELECT answer can be written in, for `azkg query --format`."""
    return tuple(_carrying(SOLUTIONS))


def _carrying(kind: str | None) -> list[Format]:
    return [f for f in FORMATS if kind is None or kind in f.carries]


def rdf_syntax(name: str) -> Format:
    """An RDF format by name, alias, file extension or media type: 'ttl', 'turtle', 'text/turtle'."""
    wanted = name.strip().lower()
    for syntax in RDF_SYNTAXES:
        if wanted in syntax.names or wanted in syntax.suffixes or wanted == syntax.media_type:
            return syntax
    known = ", ".join(s.name for s in RDF_SYNTAXES)
    raise UnknownFormatError(f"unknown RDF format '{name}'; use one of: {known}")


def rdf_syntax_of(path: Path) -> Format:
    """The syntax a file's extension names (a trailing .gz is not supported: decompress first)."""
    suffix = path.suffix.lstrip(".")
    if not suffix:
        raise UnknownFormatError(f"{path}: no file extension to tell its RDF format (.ttl, .nt, .nq, .trig, ...)")
    try:
        return rdf_syntax(suffix)
    except UnknownFormatError:
        known = ", ".join(f".{s.extension}" for s in RDF_SYNTAXES)
        raise UnknownFormatError(f"{path}: unknown RDF file extension '.{suffix}'; use one of: {known}") from None


RDF_SYNTAXES = tuple(f for f in FORMATS if f.rdf is not None)
