"""README's example queries run as written, and each answer the README quotes is among their results
(more articles may add rows, never take these away)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import pyoxigraph
import pytest

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
PREFIXES = {
    "azkg": "https://w3id.org/azkg/def/", "id": "https://w3id.org/azkg/id/",
    "metric": "https://w3id.org/azkg/def/metric/", "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#", "source": "https://w3id.org/azkg/source/",
}
EXAMPLES = re.findall(r"```sparql\n(.*?)```\n→ ([^\n]+)", README, re.DOTALL)


def expected_values(answer: str) -> list[object]:
    """The backticked terms of an answer line: IRIs (prefixed), quoted texts, numbers and codes; a
    vocabulary term (azkg:...) is prose, not a value."""
    values: list[object] = []
    for token in re.findall(r"`([^`]+)`", answer):
        prefix, _, local = token.partition(":")
        if prefix == "azkg":
            continue
        if prefix in PREFIXES and local:
            values.append(PREFIXES[prefix] + local)
        elif token.startswith('"'):
            values.append(token.strip('"'))
        else:
            values.append(_number(token) or token)
    return values


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def result_values(store: pyoxigraph.Store, query: str) -> set[object]:
    found: set[object] = set()
    for row in store.query(query, prefixes=PREFIXES):
        for term in row:
            if term is None:
                continue
            found.add(term.value)
            if isinstance(term, pyoxigraph.Literal) and (number := _number(term.value)) is not None:
                found.add(number)
    return found


def test_the_readme_has_examples_with_answers() -> None:
    assert len(EXAMPLES) >= 4 and all(expected_values(answer) for _, answer in EXAMPLES)


@pytest.mark.parametrize(("query", "answer"), EXAMPLES, ids=[a[:40] for _, a in EXAMPLES])
def test_each_answer_is_among_the_results(store: pyoxigraph.Store, query: str, answer: str) -> None:
    found = result_values(store, query)
    missing = [value for value in expected_values(answer) if value not in found]
    assert not missing, f"README's answer is stale: {missing} not in the results of\n{query}"
