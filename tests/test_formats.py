"""The media-type registry (azkg.sparql.formats): every name, suffix and media type leads back to its
format, every offer is made of registered formats, and no other module spells a media type."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from azkg.errors import NotAcceptableError
from azkg.sparql import formats
from azkg.sparql.formats import FORMATS, Format, Offer, format_named, format_of_media_type, rdf_syntax_of
from azkg.sparql.negotiation import negotiate

SRC = Path(__file__).resolve().parents[1] / "src" / "azkg"
REGISTRY = SRC / "sparql" / "formats.py"
OFFERS = {name: value for name, value in vars(formats).items() if isinstance(value, Offer)}
MEDIA_TYPE = re.compile(r"[a-z]+/[a-z0-9.+-]+")


@pytest.mark.parametrize("found", FORMATS, ids=lambda f: f.name)
def test_every_name_and_alias_resolves_to_its_format(found: Format) -> None:
    for name in found.names:
        assert any(format_named(name.upper(), kind) is found for kind in found.carries), name


@pytest.mark.parametrize("found", FORMATS, ids=lambda f: f.name)
def test_every_format_has_media_types_that_map_back(found: Format) -> None:
    assert found.media_types and all(MEDIA_TYPE.fullmatch(t) for t in found.media_types + found.legacy)
    assert any(format_of_media_type(found.media_type, kind) is found for kind in found.carries)
    if found.rdf is not None:  # the table agrees with pyoxigraph, which parses and writes it
        assert (found.media_type, found.extension) == (found.rdf.media_type, found.rdf.file_extension)


@pytest.mark.parametrize("found", FORMATS, ids=lambda f: f.name)
def test_every_suffix_maps_back_to_one_format(found: Format) -> None:
    for suffix in found.suffixes:
        assert [f for f in FORMATS if suffix in f.suffixes] == [found], suffix
        if found.rdf is not None:
            assert rdf_syntax_of(Path(f"file.{suffix}")) is found


def test_names_are_unique() -> None:
    names = [f.name for f in FORMATS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("offer", OFFERS.values(), ids=OFFERS.keys())
def test_every_offer_is_made_of_its_formats_types(offer: Offer) -> None:
    assert len(set(offer.media_types)) == len(offer.media_types)
    for media_type in offer.media_types:
        assert offer.format_of(media_type) in offer.formats


def test_the_service_description_names_every_answer_format() -> None:
    answered = formats.SELECT_OFFER.formats + formats.GRAPH_OFFER.formats
    assert all(f.w3c for f in answered), [f.name for f in answered if not f.w3c]


def test_a_misfit_is_a_406_listing_the_offer() -> None:
    with pytest.raises(NotAcceptableError) as caught:
        negotiate(formats.ASK_OFFER, "text/csv", "acceptable: {types}")
    assert str(caught.value) == "acceptable: " + ", ".join(formats.ASK_OFFER.media_types)
    with pytest.raises(NotAcceptableError, match="format 'yaml'"):
        negotiate(formats.ASK_OFFER, None, "", ["yaml"])
    with pytest.raises(NotAcceptableError, match="format 'csv'"):
        negotiate(formats.RESOURCE_OFFER, None, "", suffix="csv")


@pytest.mark.parametrize(
    ("names", "suffix", "chosen"),
    [(["json-ld", "application/ld+json,application/x-json+ld"], None, "application/ld+json"),  # SPARQLWrapper
     (["n3"], None, "text/turtle"), (["application/x-turtle"], None, "text/turtle"),
     (["text/plain"], None, "text/plain"), ([], "jsonld", "application/ld+json"), ([], "html", "text/html")],
)
def test_format_names_and_suffixes_choose_a_type(names: list[str], suffix: str | None, chosen: str) -> None:
    offer = formats.RESOURCE_OFFER if suffix else formats.GRAPH_OFFER
    assert negotiate(offer, "image/png", "", names, suffix=suffix) == chosen


def known_media_types() -> set[str]:
    return {t for f in FORMATS for t in f.media_types + f.legacy}


def media_type_literals(path: Path, known: set[str], root: Path = SRC) -> list[str]:
    """Each string or bytes literal of a module (docstrings too) that spells a registered media type."""
    pattern = re.compile("|".join(rf"(?<![\w.+/-]){re.escape(t)}(?![\w+/-])" for t in sorted(known, key=len)[::-1]))
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
            text = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
            found += [f"{path.relative_to(root)}:{node.lineno}: {m}" for m in pattern.findall(text)]
    return found


def test_no_module_but_the_registry_spells_a_media_type() -> None:
    known = known_media_types()
    spelled = [hit for path in sorted(SRC.rglob("*.py")) if path != REGISTRY for hit in media_type_literals(path, known)]
    for template in sorted((SRC / "web" / "templates").rglob("*.html")):
        spelled += [f"{template.relative_to(SRC)}: {t}" for t in known if t in template.read_text(encoding="utf-8")]
    assert not spelled, "media types belong in azkg/sparql/formats.py:\n" + "\n".join(spelled)


def test_the_literal_check_sees_strings_and_bytes(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text('A = "text/turtle; charset=utf-8"\nB = b"text/html"\nC = "text/turtles"\n# text/csv\n')
    hits = media_type_literals(module, known_media_types(), tmp_path)
    assert [hit.split(": ")[1] for hit in hits] == ["text/turtle", "text/html"]
