"""The SPARQL 1.1 Protocol's using-graph-uri and using-named-graph-uri, applied to an update.

pyoxigraph's Store.update takes no dataset, but its parser takes `USING <g>` and `USING NAMED <g>`
before the WHERE of each DELETE/INSERT operation, which is what the parameters mean. So the update is
lexed with SPARQL's own token rules (strings, IRIs, comments, prefixed names with escapes such as
`ex:a\\#`), the WHERE of every such operation is found at brace depth 0, and the clauses go before
it. The result is checked by a second, independent parse (rdflib's SPARQL grammar): the operations
must be the same, each DELETE/INSERT must carry exactly the given dataset, and the original must have
had none (USING, USING NAMED or WITH with the parameters is the protocol's error). Anything that does
not check out is refused with a 400, never run with a guessed dataset. Runs in the write process.
"""

from __future__ import annotations

import re

from azkg.errors import RequestError

_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
    | (?P<name>(?:[^\W\d]|_)?[\w.\-\u00b7]*:(?:[\w.\-:%\u00b7]|\\[_~.\-!$&'()*+,;=/?\#@%]|%[0-9A-Fa-f]{2})*
              |[^\W\d][\w\-]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def with_dataset(text: str, using: tuple[str, ...], using_named: tuple[str, ...]) -> str:
    """The update with the dataset clauses before the WHERE of each DELETE/INSERT operation."""
    if not using and not using_named:
        return text
    if re.search(r"\\[uU]", text):
        raise RequestError("an update with \\u escapes cannot take using-graph-uri or using-named-graph-uri here")
    clauses = "".join(f" USING <{g}>" for g in using) + "".join(f" USING NAMED <{g}>" for g in using_named) + " "
    places = _modify_wheres(text)
    result = text
    for start in reversed(places):
        result = result[:start] + clauses + result[start:]
    _check(text, result, len(places), using, using_named)
    return result


def _modify_wheres(text: str) -> list[int]:
    """Where each DELETE/INSERT's WHERE starts; refuses an update that names its own dataset."""
    depth, previous, places = 0, "", []
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind in ("space", "comment"):
            continue
        word = value.upper() if kind == "name" else ""
        if value == "{":
            depth += 1
        elif value == "}":
            depth -= 1
        elif depth == 0 and word in ("USING", "WITH"):
            raise RequestError("the update names its own dataset (USING, USING NAMED or WITH): it cannot also "
                               "take using-graph-uri or using-named-graph-uri")
        elif depth == 0 and word == "WHERE" and previous != "DELETE":  # DELETE WHERE takes no dataset
            places.append(match.start())
        previous = word
    return places


def _check(original: str, rewritten: str, count: int, using: tuple[str, ...], using_named: tuple[str, ...]) -> None:
    """An independent parse must agree: same operations, and exactly the given dataset on each of ours."""
    before, after = operations(original), operations(rewritten)
    ours = [op for op in after if op.name == "Modify"]
    wanted = sorted([("default", g) for g in using] + [("named", g) for g in using_named])
    if [op.name for op in before] != [op.name for op in after] or len(ours) != count or any(
        _using_of(op) != wanted for op in ours
    ):
        raise RequestError("using-graph-uri / using-named-graph-uri could not be applied to this update")


def operations(text: str) -> list:
    from rdflib.plugins.sparql.parser import parseUpdate  # rdflib takes 0.3 s to import; only this needs it

    try:
        return list(parseUpdate(text).request)
    except Exception as err:  # the engine's own parse gives the position; this one only has to agree
        raise RequestError(f"malformed update: {err}") from None


def _using_of(operation) -> list[tuple[str, str]]:
    """rdflib's CompValue.get answers the key itself for a missing key, so membership is tested first."""
    found = []
    for clause in operation["using"] if "using" in operation else []:  # noqa: SIM401 (see above)
        kind = "named" if "named" in clause else "default"
        found.append((kind, str(clause[kind])))
    return sorted(found)
