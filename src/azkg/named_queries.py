"""Named SPARQL: the queries behind the look-ups, kept as `.rq` files in `azkg/queries/` so that the
documentation can show (and the tests can run) exactly the text the service runs. Values are bound
with pyoxigraph's substitutions, never pasted into the text."""

from __future__ import annotations

from functools import cache
from importlib import resources

PACKAGE = "azkg.queries"


@cache
def named_query(name: str) -> str:
    """The text of `queries/<name>.rq`; KeyError for an unknown name."""
    path = resources.files(PACKAGE) / f"{name}.rq"
    if not path.is_file():
        raise KeyError(f"no named query '{name}'")
    return path.read_text(encoding="utf-8")


def names() -> list[str]:
    return sorted(p.name.removesuffix(".rq") for p in resources.files(PACKAGE).iterdir() if p.name.endswith(".rq"))
