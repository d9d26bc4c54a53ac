"""Named SPARQL: the queries behind the look-ups, kept as `.rq` files in `azkg/sparql/queries/` so that the
documentation can show (and the tests can run) exactly the text the service runs. Values are bound
with pyoxigraph's substitutions, never pasted into the text."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

PACKAGE = "azkg.sparql.queries"


@cache
def named_query(name: str) -> str:
    """The text of `queries/<name>.rq`; KeyError for an unknown name."""
    path = resources.files(PACKAGE) / f"{name}.rq"
    if not path.is_file():
        raise KeyError(f"no named query '{name}'")
    return path.read_text(encoding="utf-8")


def names() -> list[str]:
    return sorted(p.name.removesuffix(".rq") for p in resources.files(PACKAGE).iterdir() if p.name.endswith(".rq"))


@dataclass(frozen=True)
class Example:
    slug: str
    title: str
    query: str


@cache
def examples() -> tuple[Example, ...]:
    """The example queries of the editor and the home page (`queries/examples/*.rq`, first line a title)."""
    found = []
    for path in sorted(resources.files(PACKAGE).joinpath("examples").iterdir(), key=lambda p: p.name):
        if path.name.endswith(".rq"):
            text = path.read_text(encoding="utf-8")
            title, _, query = text.partition("\n")
            found.append(Example(path.name.removesuffix(".rq"), title.lstrip("# ").strip(), query.strip() + "\n"))
    return tuple(found)
