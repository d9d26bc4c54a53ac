"""A light scan of SPARQL text, done before any parsing: nesting depth, SERVICE, and the query form.

pyoxigraph's parser recurses: a query nested a few thousand levels deep crashes the process that
parses it (seen: segmentation fault at 3,000 nested groups). The service scans first and refuses
deep queries with a 400; the scan skips strings, IRIs and comments, so braces inside them do not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOKENS = re.compile(
    r'''(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')'''
    r"|(?P<iri><[^<>\"{}|^`\\\s]*>)"
    r"|(?P<comment>\#[^\n]*)"
    r"|(?P<open>[{(\[])|(?P<close>[})\]])"
    r"|(?P<word>[A-Za-z_][\w-]*)",
    re.DOTALL,
)
FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


@dataclass(frozen=True)
class QueryShape:
    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE; None when the text starts with none of them
    depth: int
    uses_service: bool  # SERVICE, or LOAD in an update: both make the server fetch other URLs
    is_update: bool


def scan(text: str) -> QueryShape:
    depth = deepest = 0
    form: str | None = None
    first_word: str | None = None
    service = False
    for match in TOKENS.finditer(text):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
            deepest = max(deepest, depth)
        elif kind == "close":
            depth = max(depth - 1, 0)
        elif kind == "word":
            word = match.group().upper()
            if first_word is None and word in FORMS | UPDATES:
                first_word = word
            if form is None and word in FORMS and depth == 0:
                form = word
            service = service or word == "SERVICE" or (word == "LOAD" and depth == 0)
    is_update = first_word in UPDATES and form is None
    return QueryShape(form, deepest, service, is_update)
