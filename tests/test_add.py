"""`azkg add`: a new source registered exactly as received, or refused with nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from azkg.build.sources import load_sources
from azkg.vocab import AZKG, SCHEMA
from tests.conftest import run_cli

ARTICLE = (
    "Baku, 3 March 2026. Sumgayit Industrial Park has attracted investment of 6.9 billion manats, "
    "the Ministry of Economy said.\r\nIt’s a record — “more than ever”.\n"
)


def add(project: Path, *args: str):
    return run_cli("--root", str(project), "add", *args)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "incoming" / "trend-article.txt"
    path.parent.mkdir()
    path.write_bytes(ARTICLE.encode("utf-8"))
    return path


def test_the_text_is_kept_byte_for_byte_with_what_is_known(project: Path, article: Path) -> None:
    result = add(project, str(article), "--publisher", "Azernews", "--published", "2026-03-03T10:15:00+04:00",
                 "--url", "https://example.org/news/1", "--title", "Sumgayit park draws more money",
                 "--syndicated-from", "azernews", "--retrieved", "2026-03-04")
    assert result.exit_code == 0, result.output
    sources = project / "data" / "sources"
    assert (sources / "azernews-2026-03-03.txt").read_bytes() == article.read_bytes()
    source = load_sources(sources, str)["azernews-2026-03-03"]
    assert (source.publisher, source.syndicated_from, source.url) == ("azernews", "azernews", "https://example.org/news/1")
    assert str(source.issued) == "2026-03-03T10:15:00+04:00" and str(source.retrieved) == "2026-03-04"
    assert source.url_basis and "2026-03-04" in source.url_basis
    assert source.received_as == "trend-article.txt"


def test_a_registered_source_with_claims_builds_into_the_graph(project: Path, article: Path) -> None:
    assert add(project, str(article), "--id", "test-article", "--publisher", "azernews", "--published", "2026-03-03",
               "--url", "https://example.org/news/2").exit_code == 0
    (project / "data" / "curation" / "test-article.yaml").write_text(
        "source: test-article\ncurated_on: 2026-11-30\nclaims:\n"
        "  - id: sumgayit-investment\n    about: sumgayit-industrial-park\n    metric: investment\n"
        "    value: 6900000000\n    currency: AZN\n    quote: \"attracted investment of 6.9 billion manats\"\n",
        encoding="utf-8",
    )
    result = run_cli("--root", str(project), "build")
    assert result.exit_code == 0, result.output
    graph = Graph().parse(project / "data" / "triples.ttl")
    node = URIRef("https://w3id.org/azkg/source/test-article")
    assert (node, SCHEMA.url, URIRef("https://example.org/news/2")) in graph
    assert next(graph.objects(node, AZKG.urlBasis), None) is not None
    assert next(graph.objects(node, AZKG.retrievedOn)).datatype == XSD.date
    assert (node, AZKG.sha256, None) in graph and (node, SCHEMA.text, Literal(ARTICLE)) in graph


def test_a_changed_text_is_caught_by_the_build(project: Path, article: Path) -> None:
    assert add(project, str(article), "--id", "test-article").exit_code == 0
    (project / "data" / "sources" / "test-article.txt").write_text(ARTICLE.replace("6.9", "7.9"), encoding="utf-8")
    result = run_cli("--root", str(project), "build")
    assert result.exit_code == 1 and "test-article.yaml" in result.output and "[sha256]" in result.output


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


BAD = [
    ("empty", lambda d: write(d / "a.txt", b" \n\n"), [], "is empty"),
    ("binary", lambda d: write(d / "a.txt", b"\x89PNG\r\n\x1a\n\x00\x00"), [], "is binary"),
    ("utf-16", lambda d: write(d / "a.txt", "Gəncə park".encode("utf-16")), [], "is binary"),
    ("not utf-8", lambda d: write(d / "a.txt", "café prices".encode("latin-1")), [], "is not UTF-8 (byte 3)"),
    ("10 MB", lambda d: write(d / "a.txt", b"industrial park. " * 620_000), [], "10.5 MB"),
    ("missing", lambda d: d / "nothing.txt", [], "no such file"),
    ("russian", lambda d: write(d / "a.txt", "Сумгаитский химический промышленный парк привлёк 6,9 млрд манатов.".encode()),
     [], "Cyrillic letters but --language is 'en'"),
    ("azerbaijani", lambda d: write(d / "a.txt", "Sumqayıt Kimya Sənaye Parkına 6,9 milyard manat sərmayə qoyulub.".encode()),
     [], "give --language az"),
    ("bad language", lambda d: write(d / "a.txt", b"Text."), ["--language", "English"], "--language 'English'"),
    ("unknown publisher", lambda d: write(d / "a.txt", b"Text."), ["--publisher", "Trend News Agency"], "--publisher 'Trend News Agency': no entity"),
    ("bad date", lambda d: write(d / "a.txt", b"Text."), ["--published", "March 3"], "--published: 'March 3' is not a date"),
    ("bad url", lambda d: write(d / "a.txt", b"Text."), ["--url", "ftp://x"], "not an http(s) URL"),
    ("existing id", lambda d: write(d / "a.txt", b"Text."), ["--id", "azernews-2026-01-27"], "azernews-2026-01-27.txt exists"),
    ("bad id", lambda d: write(d / "a.txt", b"Text."), ["--id", "Not An Id"], "lowercase letters"),
    ("same text", lambda d: d.parent / "data" / "sources" / "industrial-clusters-2025.txt", ["--id", "x"],
     "already registered as source 'industrial-clusters-2025'"),
]


@pytest.mark.parametrize(("make", "options", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_refused_and_nothing_is_written(project: Path, make, options: list[str], message: str) -> None:
    incoming = project / "incoming"
    incoming.mkdir()
    sources = project / "data" / "sources"
    before = snapshot(sources)
    result = add(project, str(make(incoming)), *options)
    assert result.exit_code == 1, result.output
    assert message in result.output and "azkg add:" in result.output
    assert snapshot(sources) == before


def test_a_url_already_registered_names_the_source(project: Path, article: Path, tmp_path: Path) -> None:
    assert add(project, str(article), "--id", "first", "--url", "https://example.org/x").exit_code == 0
    other = write(tmp_path / "other.txt", b"Another text about parks.")
    before = snapshot(project / "data" / "sources")
    result = add(project, str(other), "--id", "second", "--url", "https://example.org/x")
    assert result.exit_code == 1 and "already registered as source 'first'" in result.output
    assert snapshot(project / "data" / "sources") == before
