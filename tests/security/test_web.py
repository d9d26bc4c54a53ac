"""The web side of the service against an attacker, in-process: stored IRIs of other schemes never
become live links, every response carries the browser security headers, the API docs load nothing
from elsewhere, and a forged Host header neither gets answered (setting trusted_hosts) nor steers links
(setting public_url)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from azkg.errors import SettingError
from azkg.settings import ServiceSettings
from tests.in_process import InProcess, in_process

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://w3id.org/azkg/"
PARK = BASE + "id/sumgayit-industrial-park"
SEE_ALSO = "http://www.w3.org/2000/01/rdf-schema#seeAlso"
HOSTILE = ["javascript:alert(1)", "JavaScript:alert(2)", "vbscript:msgbox(3)",
           "data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg=="]
PUBLIC = "https://kg.example.org/azkg/"
BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}


class Markup(HTMLParser):
    """Every URL-valued attribute, inline script and style, and event handler of a page."""

    def __init__(self, text: str):
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._open: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.urls += [value or "" for name, value in attrs if name in URL_ATTRIBUTES]
        self.inline += [f"{tag} {name}" for name, _ in attrs if name == "style" or name.startswith("on")]
        self._open = tag if tag == "style" or (tag == "script" and "src" not in found) else None

    def handle_data(self, data: str) -> None:
        if self._open and data.strip():
            self.inline.append(f"<{self._open}> {data.strip()[:60]}")


def hostile_triples(folder: Path) -> Path:
    lines = [f"<{PARK}> <{SEE_ALSO}> <{iri}> ." for iri in HOSTILE]
    lines += [f"<{HOSTILE[0]}> <{SEE_ALSO}> <{PARK}> .", f'<{PARK}> <{HOSTILE[1]}> "as a property" .',
              f"<{PARK}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{HOSTILE[2]}> ."]
    path = folder / "hostile.nt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("security-web") / "store"


@pytest.fixture(scope="module")
def server(store: Path) -> Iterator[InProcess]:
    """Default settings (any host, no public URL), the bundled data plus IRIs of hostile schemes."""
    with in_process(ROOT, store) as running:
        loaded = subprocess.run(
            [sys.executable, "-m", "azkg.cli", "--root", str(ROOT), "load", str(hostile_triples(store.parent)),
             "--store", str(store)], capture_output=True, text=True, timeout=120)
        assert loaded.returncode == 0, loaded.stderr
        yield running


@pytest.fixture(scope="module")
def client(server: InProcess) -> httpx.Client:
    return server.client


def test_iris_of_other_schemes_are_shown_as_text_not_links(server, client):
    page = client.get(server.base + "/id/sumgayit-industrial-park", headers={"Accept": BROWSER})
    assert page.status_code == 200
    for iri in HOSTILE[:3]:
        assert iri in page.text  # shown, as text
    urls = Markup(page.text).urls
    assert urls and all(url.lower().startswith(("http://", "https://", "#")) for url in urls), [
        url for url in urls if not url.lower().startswith(("http://", "https://", "#"))]


def test_the_json_api_gives_no_url_for_iris_of_other_schemes(server, client):
    entity = client.get(server.base + "/api/entities/sumgayit-industrial-park").json()
    found = [s["value"] for s in entity["entity"]["statements"] if s["value"].get("iri") in HOSTILE]
    assert len(found) == len(HOSTILE) and all(value["url"] is None for value in found)


@pytest.mark.parametrize(("method", "path", "kind"), [
    ("GET", "/", "page"),
    ("GET", "/id/sumgayit-industrial-park", "page"),
    ("GET", "/query", "page"),
    ("GET", "/search?q=sumgayit", "page"),
    ("GET", "/docs", "page"),
    ("GET", "/redoc", "page"),
    ("GET", "/id/no-such-thing", "page"),  # a 404 in HTML
    ("GET", "/api/entities/sumgayit-industrial-park", "other"),
    ("GET", "/api/entities/no-such-thing", "other"),
    ("GET", "/sparql?query=ASK%7B%7D", "other"),  # the fast path
    ("GET", "/sparql?query=SELECT", "other"),  # the fast path's error
    ("POST", "/sparql", "other"),
    ("GET", "/static/azkg.css", "other"),
    ("GET", "/openapi.json", "other"),
    ("GET", "/id/sumgayit-industrial-park.ttl", "other"),
])
def test_every_response_carries_the_security_headers(server, client, method, path, kind):
    headers = {"Accept": BROWSER if kind == "page" else "*/*"}
    response = client.request(method, server.base + path, headers=headers, data={"query": "ASK {}"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["x-frame-options"] == "DENY"
    policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert policy["frame-ancestors"] == "'none'" and policy["default-src"] == "'none'"
    if kind == "page":
        assert response.headers["content-type"].startswith("text/html")
        assert policy["script-src"].startswith("'self'") and "unsafe" not in policy["script-src"]
        assert policy["base-uri"] == "'none'" and policy["form-action"] == "'self'"


@pytest.mark.parametrize("path", ["/", "/id/sumgayit-industrial-park", "/source/azernews-2026-01-27", "/conflicts",
                                  "/query", "/def", "/search?q=park", "/dumps", "/id/no-such-thing"])
def test_pages_hold_no_inline_script_style_or_handler(server, client, path):
    """So that the pages' policy can forbid them all (the browser tests check what scripts do at run time)."""
    page = client.get(server.base + path, headers={"Accept": BROWSER})
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    assert Markup(page.text).inline == []


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_docs_load_nothing_from_elsewhere(server, client, path):
    page = client.get(server.base + path)
    assert page.status_code == 200
    urls = Markup(page.text).urls + re.findall(r"[a-z]+://[^\s\"'<>]+", page.text)  # also in the inline script
    assert urls and all(url.startswith(server.base + "/") or url.startswith("data:") for url in urls), urls
    for url in Markup(page.text).urls:
        if url.startswith(server.base):
            assert client.get(url).status_code == 200, url


@pytest.fixture(scope="module")
def guarded(store: Path, server: InProcess) -> Iterator[InProcess]:
    with in_process(ROOT, store, trusted_hosts="127.0.0.1, localhost") as running:
        yield running


def test_only_trusted_hosts_are_answered_and_links_follow_them(guarded):
    client = guarded.client
    port = guarded.base.rsplit(":", 1)[1]
    for path in ("/", "/id/sumgayit-industrial-park", "/graph/ontology", "/sparql", "/sparql?query=ASK%7B%7D",
                 "/api/entities/sumgayit-industrial-park", "/docs"):
        refused = client.get(guarded.base + path, headers={"Host": "evil.example", "Accept": "application/json"},
                             follow_redirects=False)
        assert refused.status_code == 400, path
        error = refused.json()["error"]
        assert error["code"] == "untrusted_host" and error["request_id"] == refused.headers["x-request-id"]
        assert "evil.example" not in refused.text and refused.headers["x-frame-options"] == "DENY"
        answered = client.get(guarded.base + path, headers={"Host": f"localhost:{port}"}, follow_redirects=False)
        assert answered.status_code in (200, 303), path
        assert answered.headers.get("location", f"http://localhost:{port}/").startswith(f"http://localhost:{port}/")
    page = client.get(guarded.base + "/id/azermirror", headers={"Host": f"localhost:{port}", "Accept": BROWSER})
    assert f'href="http://localhost:{port}/static/azkg.css"' in page.text


@pytest.fixture(scope="module")
def published(store: Path, server: InProcess) -> Iterator[InProcess]:
    with in_process(ROOT, store, public_url=PUBLIC) as running:
        yield running


def test_with_public_url_no_link_or_redirect_follows_the_host_header(published):
    client = published.client
    for path in ("/", "/id/sumgayit-industrial-park", "/source/azernews-2026-01-27", "/query", "/docs", "/redoc",
                 "/graph/ontology", "/sparql", "/id/nope"):
        accept = "text/turtle" if path == "/sparql" else BROWSER  # /sparql without a query: the service description
        response = client.get(published.base + path, headers={"Host": "evil.example", "Accept": accept},
                              follow_redirects=False)
        assert response.status_code in (200, 303, 404), path
        assert "evil.example" not in response.text + str(response.headers), path
        if response.status_code == 303:
            assert response.headers["location"].startswith(PUBLIC)
        if response.headers.get("content-type", "").startswith("text/html"):
            links = [url for url in Markup(response.text).urls if url.startswith("http")]
            assert all(url.startswith(PUBLIC) or "127.0.0.1" not in url for url in links), path


def test_trusted_hosts_must_be_host_names():
    assert ServiceSettings(trusted_hosts=" kg.example.org , *.example.org,[::1] ").host_names == [
        "kg.example.org", "*.example.org", "[::1]"]
    for wrong in ("localhost:8000", "a*.example.org", "*example.org", "https://kg.example.org/"):
        with pytest.raises(SettingError, match="trusted_hosts"):
            ServiceSettings(trusted_hosts=wrong)
