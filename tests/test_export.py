"""Exports: every dump, from the CLI and over HTTP, parses back (rdflib and pyoxigraph) into the graph
of data/triples.ttl; the figures CSV has one row per figure; gzip, ETag/Last-Modified and 304; and
dumps are streamed, so memory does not grow with the size of the store."""

from __future__ import annotations

import csv
import gzip
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import httpx
import pyoxigraph
import pytest
from rdflib import XSD, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from azkg.settings import Paths
from azkg.store.export import CSV_COLUMNS, EXPORTS, Export
from azkg.store.snapshots import build_store
from azkg.web.routers.dumps import accepts_gzip
from tests.conftest import ROOT, run_cli
from tests.in_process import InProcess, in_process
from tests.server import cpu_seconds, running_server

DATA = "https://w3id.org/azkg/graph/data"
RDF_EXPORTS = [e for e in EXPORTS if e.syntax is not None]
RDFLIB_FORMATS = {"nt": "nt", "nq": "nquads", "ttl": "turtle", "trig": "trig", "jsonld": "json-ld", "rdfxml": "xml"}
QUADS = ("nq", "trig")
INTEGERS = {XSD[t] for t in ("integer", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
                             "negativeInteger", "long", "int", "short", "byte", "unsignedLong", "unsignedInt",
                             "unsignedShort", "unsignedByte")}
AZKG = Namespace("https://w3id.org/azkg/def/")
SCHEMA = Namespace("https://schema.org/")
VOID = Namespace("http://rdfs.org/ns/void#")
RDFS_SEE_ALSO = URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso")
TOKEN = "x" * 16
# rdflib 7 warns from inside its own Dataset.parse for N-Quads and TriG
QUAD_PARSE_WARNING = "ignore:Dataset.default_context is deprecated:DeprecationWarning"


# ------------------------------------------------------------------ the graph a dump must equal

def as_stored(graph: Graph) -> Graph:
    """The graph as the store holds it: pyoxigraph keeps typed literals by value, so a decimal is
    written in its canonical form ("640.0" -> "640"), the same value. Nothing else may differ (the
    build writes no subtype of xsd:integer, which the store would turn into xsd:integer)."""
    stored = Graph()
    for s, p, o in graph:
        assert not (isinstance(o, Literal) and o.datatype in INTEGERS - {XSD.integer}), o
        if isinstance(o, Literal) and o.datatype == XSD.decimal:
            value = Decimal(str(o))
            o = Literal(str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f"),
                        datatype=XSD.decimal)
        stored.add((s, p, o))
    return stored


@pytest.fixture(scope="module")
def expected() -> Graph:
    return as_stored(Graph().parse(ROOT / "data" / "triples.ttl", format="turtle"))


def assert_same_graph(expected: Graph, got: Graph) -> None:
    if not isomorphic(expected, got):
        _, missing, extra = graph_diff(to_isomorphic(expected), to_isomorphic(got))
        pytest.fail(f"not the graph of data/triples.ttl: {len(missing)} triples missing, {len(extra)} extra, e.g. "
                    f"missing {sorted(missing)[:2]}, extra {sorted(extra)[:2]}")


def parse_with_rdflib(data: bytes, export: Export) -> Graph:
    if export.name in QUADS:
        dataset = Dataset()
        dataset.parse(data=data, format=RDFLIB_FORMATS[export.name])
        names = {str(g.identifier) for g in dataset.graphs() if len(g)}
        assert names == {DATA}, f"a {export.name} dump holds the data graph, named, and nothing else: {names}"
        return dataset.graph(URIRef(DATA))
    return Graph().parse(data=data, format=RDFLIB_FORMATS[export.name])


def parse_with_pyoxigraph(data: bytes, export: Export) -> Graph:
    assert export.syntax is not None
    quads = list(pyoxigraph.parse(data, format=export.syntax.rdf))
    graphs = {str(q.graph_name) for q in quads}
    assert graphs == ({f"<{DATA}>"} if export.name in QUADS else {"DEFAULT"}), graphs
    return Graph().parse(data="".join(f"{q.triple} .\n" for q in quads), format="nt")


PARSERS = {"rdflib": parse_with_rdflib, "pyoxigraph": parse_with_pyoxigraph}


# ------------------------------------------------------------------ the command line

@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    paths = Paths(ROOT)
    folder = tmp_path_factory.mktemp("export") / "store"
    build_store(folder, paths.triples_file, paths.ontology_files)
    return folder


def cli_export(store_dir: Path, *args: str) -> bytes:
    result = run_cli("--root", str(ROOT), "export", "--store", str(store_dir), *args)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


@pytest.mark.filterwarnings(QUAD_PARSE_WARNING)
@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("export", RDF_EXPORTS, ids=[e.name for e in RDF_EXPORTS])
def test_cli_dump_parses_back(store_dir: Path, expected: Graph, export: Export, parser: str) -> None:
    data = cli_export(store_dir, "--format", export.name)
    assert_same_graph(expected, PARSERS[parser](data, export))


@pytest.mark.parametrize("export", EXPORTS, ids=[e.name for e in EXPORTS])
def test_cli_gzip_is_the_same_dump(store_dir: Path, export: Export) -> None:
    packed = cli_export(store_dir, "--format", export.name, "--gzip")
    assert packed[:2] == b"\x1f\x8b"
    assert gzip.decompress(packed) == cli_export(store_dir, "--format", export.name)


def test_cli_writes_a_file(store_dir: Path, tmp_path: Path, expected: Graph) -> None:
    target = tmp_path / "azkg.nt.gz"
    result = run_cli("--root", str(ROOT), "export", "--store", str(store_dir), "--format", "nt", "--gzip",
                     "--output", str(target))
    assert result.exit_code == 0 and result.stdout_bytes == b""
    assert_same_graph(expected, Graph().parse(data=gzip.decompress(target.read_bytes()), format="nt"))
    assert [p.name for p in tmp_path.iterdir()] == ["azkg.nt.gz"]


def test_cli_failure_leaves_no_half_file(store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(store: object, export: Export, output: io.RawIOBase) -> None:
        output.write(b"<urn:half> <urn:written> ")
        raise OSError(28, "No space left on device")

    target = tmp_path / "azkg.nt"
    target.write_bytes(b"the previous export\n")
    monkeypatch.setattr("azkg.cli.write_export", failing)
    result = run_cli("--root", str(ROOT), "export", "--store", str(store_dir), "--format", "nt",
                     "--output", str(target))
    assert result.exit_code == 1 and "No space left on device" in result.stderr
    assert target.read_bytes() == b"the previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["azkg.nt"]


def test_cli_unknown_format(store_dir: Path) -> None:
    result = run_cli("--root", str(ROOT), "export", "--store", str(store_dir), "--format", "xml")
    assert result.exit_code == 2
    assert "'--format'" in result.stderr and all(f"'{e.name}'" in result.stderr for e in EXPORTS)


def test_cli_without_a_store(tmp_path: Path) -> None:
    result = run_cli("--root", str(ROOT), "export", "--store", str(tmp_path / "none"))
    assert result.exit_code == 1 and "azkg load" in result.stderr


# ------------------------------------------------------------------ the figures CSV

def count_figures(graph: Graph) -> int:
    query = "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a <https://w3id.org/azkg/def/FigureFact> }"
    return int(next(iter(graph.query(query)))[0])


def test_csv_has_one_row_per_figure(store_dir: Path) -> None:
    data = cli_export(store_dir, "--format", "csv")
    graph = Graph().parse(ROOT / "data" / "triples.ttl", format="turtle")
    assert data.startswith(",".join(CSV_COLUMNS).encode() + b"\r\n")  # RFC 4180: header, CRLF
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert count_figures(graph) > 0
    assert len(rows) == len({row["fact"] for row in rows}) == count_figures(graph)
    for row in rows:
        fact = URIRef(row["fact"])
        assert (fact, AZKG.about, URIRef(row["entity"])) in graph
        assert Decimal(row["value"]) == Decimal(str(graph.value(fact, AZKG.value)))
        assert row["value"].isdigit() or "." in row["value"], row["value"]  # plain, never 6.7E9
        assert bool(row["unit"]) != bool(row["currency"]), row
        assert row["entity_label"] and row["metric_label"] and row["status"]


def test_csv_quotes_occur_in_their_sources(store_dir: Path) -> None:
    graph = Graph().parse(ROOT / "data" / "triples.ttl", format="turtle")
    rows = list(csv.DictReader(io.StringIO(cli_export(store_dir, "--format", "csv").decode("utf-8"), newline="")))
    for row in rows:
        text = str(graph.value(URIRef(row["source"]), SCHEMA.text))
        assert row["quote"] and text[int(row["quote_start"]):int(row["quote_end"])] == row["quote"], row["fact"]
    assert any("," in row["quote"] or '"' in row["quote"] for row in rows)  # quoting was exercised


# ------------------------------------------------------------------ over HTTP, in-process

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    with in_process(ROOT, tmp_path_factory.mktemp("http") / "store") as running:
        yield running


@pytest.fixture(scope="module")
def client(server: InProcess) -> httpx.Client:
    return server.client


PLAIN = {"Accept-Encoding": "identity"}


@pytest.mark.slow
@pytest.mark.filterwarnings(QUAD_PARSE_WARNING)
@pytest.mark.parametrize("export", RDF_EXPORTS, ids=[e.name for e in RDF_EXPORTS])
def test_http_dump_parses_back(server: InProcess, client: httpx.Client, expected: Graph, export: Export) -> None:
    response = client.get(f"{server.base}/dumps/{export.filename}", headers=PLAIN)
    assert response.status_code == 200 and "content-encoding" not in response.headers
    assert response.headers["content-type"].split(";")[0] == export.media_type
    assert response.headers["content-disposition"] == f'attachment; filename="{export.filename}"'
    for parse in PARSERS.values():
        assert_same_graph(expected, parse(response.content, export))


@pytest.mark.slow
@pytest.mark.parametrize("export", EXPORTS, ids=[e.name for e in EXPORTS])
def test_http_gzip_file_and_encoding(server: InProcess, client: httpx.Client, export: Export) -> None:
    plain = client.get(f"{server.base}/dumps/{export.filename}", headers=PLAIN)
    packed = client.get(f"{server.base}/dumps/{export.filename}.gz")
    assert packed.headers["content-type"] == "application/gzip" and "content-encoding" not in packed.headers
    assert packed.headers["content-disposition"] == f'attachment; filename="{export.filename}.gz"'
    assert gzip.decompress(packed.content) == plain.content
    with client.stream("GET", f"{server.base}/dumps/{export.filename}", headers={"Accept-Encoding": "gzip"}) as r:
        raw = b"".join(r.iter_raw())
    assert r.headers["content-encoding"] == "gzip" and "Accept-Encoding" in r.headers["vary"]
    assert raw[:2] == b"\x1f\x8b" and gzip.decompress(raw) == plain.content
    assert len({plain.headers["etag"], packed.headers["etag"], r.headers["etag"]}) == 3


@pytest.mark.parametrize(
    ("header", "gzip_ok"),
    [(None, False), ("", False), ("gzip", True), ("GZIP", True), ("x-gzip", True), ("*", True), ("identity", False),
     ("gzip;q=0", False), ("gzip; q=0.0", False), ("br, gzip;q=0.5", True), ("gzip;q=0, *", False),
     ("*;q=0", False), ("deflate, br", False), ("gzip;q=abc", False)],
)
def test_accept_encoding(header: str | None, gzip_ok: bool) -> None:
    assert accepts_gzip(header) is gzip_ok


@pytest.mark.slow
def test_unchanged_dump_answers_304(server: InProcess, client: httpx.Client) -> None:
    url = f"{server.base}/dumps/azkg.ttl"
    first = client.get(url, headers=PLAIN)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    for condition in ({"If-None-Match": etag}, {"If-None-Match": f'"other", W/{etag}'}, {"If-None-Match": "*"},
                      {"If-Modified-Since": modified},
                      {"If-Modified-Since": format_datetime(parsedate_to_datetime(modified).replace(year=2100),
                                                            usegmt=True)}):
        again = client.get(url, headers={**PLAIN, **condition})
        assert again.status_code == 304 and again.content == b"", condition
        assert again.headers["etag"] == etag and again.headers["last-modified"] == modified
    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2000), usegmt=True)
    for condition in ({"If-None-Match": '"other"'}, {"If-Modified-Since": earlier},
                      {"If-Modified-Since": "not a date"},
                      {"If-None-Match": '"other"', "If-Modified-Since": modified}):  # If-None-Match wins
        again = client.get(url, headers={**PLAIN, **condition})
        assert again.status_code == 200 and again.content == first.content, condition
    head = client.head(url, headers=PLAIN)
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == etag


@pytest.mark.slow
def test_etag_changes_after_a_write(tmp_path: Path) -> None:
    with in_process(ROOT, tmp_path / "store", update_token=TOKEN) as writable:
        client = writable.client
        url = f"{writable.base}/dumps/azkg.nt"
        before = client.get(url, headers=PLAIN)
        assert client.get(url, headers={**PLAIN, "If-None-Match": before.headers["etag"]}).status_code == 304
        write = client.post(f"{writable.base}/store", params={"graph": DATA},
                            content=b"<urn:new:a> <urn:new:b> 'added' .",
                            headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"})
        assert write.status_code in (200, 204), write.text
        after = client.get(url, headers={**PLAIN, "If-None-Match": before.headers["etag"]})
        stale = client.get(url, headers={**PLAIN, "If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert b'<urn:new:a> <urn:new:b> "added" .' in after.content and b"urn:new:a" not in before.content
    assert parsedate_to_datetime(after.headers["last-modified"]) >= parsedate_to_datetime(
        before.headers["last-modified"])
    assert stale.status_code == 200


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "accept", "status", "words"),
    [("/dumps/azkg.xyz", "application/json", 404, "azkg.ttl"),
     ("/dumps/azkg.ttl.zip", "application/json", 404, "facts.csv.gz"),
     ("/dumps/azkg.ttl.gz.gz", "application/json", 404, "azkg.nq"),
     ("/dumps/triples.ttl", "text/html", 404, "azkg.jsonld"),
     ("/dumps", "image/png", 406, "application/json"),
     ("/store?default&format=xyz", "application/json", 406, "text/turtle")],
)
def test_bad_dump_requests(server: InProcess, client: httpx.Client, path: str, accept: str, status: int,
                           words: str) -> None:
    response = client.get(server.base + path, headers={"Accept": accept})
    assert response.status_code == status and words in response.text
    if accept == "application/json":
        assert response.json()["error"]["status"] == status
    elif accept == "text/html":
        assert response.headers["content-type"].startswith("text/html")


@pytest.mark.slow
def test_dump_index(server: InProcess, client: httpx.Client) -> None:
    listing = client.get(server.base + "/dumps").json()
    assert [d["filename"] for d in listing["dumps"]] == [e.filename for e in EXPORTS]
    assert listing["graph"] == DATA
    for dump in listing["dumps"]:
        assert client.head(dump["url"]).status_code == client.head(dump["gzip_url"]).status_code == 200
    page = client.get(server.base + "/dumps", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert all(f'href="{d["url"]}"' in page.text and f'href="{d["gzip_url"]}"' in page.text
               for d in listing["dumps"])


@pytest.mark.slow
def test_void_lists_every_dump(server: InProcess, client: httpx.Client) -> None:
    void = Graph().parse(data=client.get(server.base + "/.well-known/void").text, format="turtle")
    dumps = {str(o) for o in void.objects(None, VOID.dataDump)}
    assert dumps == {f"{server.base}/dumps/{e.filename}{gz}" for e in RDF_EXPORTS for gz in ("", ".gz")}
    see_also = {str(o) for o in void.objects(None, RDFS_SEE_ALSO)}
    assert see_also == {f"{server.base}/dumps/facts.csv", f"{server.base}/dumps/facts.csv.gz"}
    assert all(client.head(url).status_code == 200 for url in dumps | see_also)


@pytest.mark.slow
def test_graph_store_get_of_the_data_graph(server: InProcess, client: httpx.Client, expected: Graph) -> None:
    response = client.get(server.base + "/store", params={"graph": DATA}, headers={"Accept": "application/n-triples"})
    assert_same_graph(expected, Graph().parse(data=response.content, format="nt"))


# ------------------------------------------------------------------ constant memory

BIG_TRIPLES = 200_000
FILLER = "azkg " * 120  # 600 characters: a dump of about 130 MB


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A store whose data graph would take far more memory than the process, if held whole."""
    folder = tmp_path_factory.mktemp("big")
    source = folder / "big.nq"
    with source.open("w", encoding="utf-8") as out:
        for i in range(BIG_TRIPLES):
            out.write(f'<https://w3id.org/azkg/id/e{i // 4}> <https://w3id.org/azkg/def/p{i % 4}> "{FILLER}{i}" <{DATA}> .\n')
    size = source.stat().st_size
    result = subprocess.run([sys.executable, "-m", "azkg.cli", "--root", str(ROOT), "load", str(source),
                             "--store", str(folder / "store")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    source.unlink()
    return folder / "store", size


def peak_rss_kib(command: list[str]) -> int:
    """The peak resident memory of one child process (os.wait4 reports that child's alone)."""
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as process:
        assert process.stderr is not None
        errors = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, errors.decode()
    return usage.ru_maxrss


READ_ALL = """import sys
from pathlib import Path
import azkg.cli  # the same modules as `azkg export`
from azkg.store.snapshots import DATA_GRAPH, open_reader
store, _ = open_reader(Path(sys.argv[1]))
print(sum(1 for _ in store.quads_for_pattern(None, None, None, DATA_GRAPH)))
"""


@pytest.fixture(scope="module")
def reading_peak(big_store: tuple[Path, int]) -> int:
    """What reading every triple of the big store costs: interpreter, modules, RocksDB's caches."""
    return peak_rss_kib([sys.executable, "-c", READ_ALL, str(big_store[0])])


@pytest.mark.serial
@pytest.mark.slow
@pytest.mark.parametrize("name", ["nt", "jsonld", "trig"])
def test_export_memory_does_not_grow_with_the_dump(big_store: tuple[Path, int], reading_peak: int, tmp_path: Path,
                                                   name: str) -> None:
    store, size = big_store
    reading = reading_peak
    target = tmp_path / f"big.{name}"
    started = time.perf_counter()
    exporting = peak_rss_kib([sys.executable, "-m", "azkg.cli", "--root", str(ROOT), "export", "--format", name,
                              "--store", str(store), "--output", str(target)])
    seconds = time.perf_counter() - started
    dump = target.stat().st_size
    assert dump > 100e6 and dump > size * 0.7
    # holding the dump would add its size (> 100 MB); streaming adds the writer's buffers
    assert exporting - reading < 32 * 1024, (
        f"export peak {exporting / 1024:.0f} MiB vs reading the store {reading / 1024:.0f} MiB "
        f"for a {dump / 1e6:.0f} MB dump in {seconds:.1f} s")


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))


def threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def idle(pid: int) -> bool:
    """Whether the process used (almost) no CPU over half a second."""
    before = cpu_seconds(pid)
    time.sleep(0.5)
    return cpu_seconds(pid) - before < 0.02


def wait_for(condition, seconds: float = 30) -> bool:  # type: ignore[no-untyped-def]
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.serial
@pytest.mark.slow
def test_http_dump_waits_for_its_client_and_stops_when_it_leaves(big_store: tuple[Path, int]) -> None:
    """On a real server: a client that reads slowly, then leaves, is a matter of sockets."""
    store, size = big_store
    with running_server(ROOT, store) as big, httpx.Client(timeout=60) as client:
        # the first store this process opens starts RocksDB's background threads, which stay for good:
        # open one before counting, so that the count below sees the dumping thread alone (VoID is read
        # through the query workers, so a CSV dump, run in this process, opens it; its thread is gone
        # once the process is idle)
        assert client.get(f"{big.base}/.well-known/void").status_code == 200
        assert client.get(f"{big.base}/dumps/facts.csv").status_code == 200 and wait_for(lambda: idle(big.pid))
        before, idle_threads = rss_kib(big.pid), threads(big.pid)
        with client.stream("GET", f"{big.base}/dumps/azkg.nt", headers=PLAIN) as response:
            chunks = response.iter_raw()  # kept: a dropped iterator closes the connection
            assert response.status_code == 200 and next(chunks)
            # the dumping thread stops working once the queue and the socket are full, long before the end
            assert wait_for(lambda: idle(big.pid))
            grown = rss_kib(big.pid) - before
            assert threads(big.pid) == idle_threads + 1  # the dumping thread, waiting
        assert wait_for(lambda: threads(big.pid) == idle_threads, 10), "the dumping thread did not stop"
        after = client.get(f"{big.base}/dumps/azkg.nt", headers=PLAIN)
    assert grown < 48 * 1024, f"the server grew by {grown / 1024:.0f} MiB holding a client's dump of {size / 1e6:.0f} MB"
    assert after.status_code == 200 and after.content.count(b"\n") == BIG_TRIPLES
