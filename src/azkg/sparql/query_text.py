"""A SPARQL 1.1 lexer, run before any parsing: nesting depth, the query form, SERVICE, and FROM.

pyoxigraph's parser recurses: a query nested a few thousand levels deep crashes the process that
parses it (seen: segmentation fault at 3,000 nested groups). The service lexes first and refuses deep
queries with a 400. The lexer follows the grammar's terminals (SPARQL 1.1 Query, 19.8), so that no
spelling (a prefixed name ending in `\\#`, say) makes it see a comment or a string where the engine
sees brackets.

The standard replaces \\uXXXX and \\UXXXXXXXX in the whole text before parsing; pyoxigraph 0.5
does not (its optional `standard-unicode-escaping` feature is off: `\\u0053ELECT` is a syntax error,
and the escapes count only inside strings and IRIs). Each reading can hide brackets from the other (a
`\\u000A` ends a comment in one and not in the other), so a text with such escapes is lexed both
ways and the worse answer counts.

`<` is the one terminal whose meaning depends on the grammar, not the characters: after an operand
inside an expression it is less-than, elsewhere it opens an IRI. The lexer tracks which brackets hold
expressions to tell them apart, since `FILTER(?a<'>'((((...` hides brackets from a lexer that guesses.

SERVICE found here is only a friendly early 400: the guarantee is the query worker's sandbox.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}

_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_U = _BASE + "_"
_CHARS = _U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PREFIX = f"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?"
_LOCAL = f"(?:[{_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
_VARNAME = f"[{_U}0-9][{_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
_ECHAR = r"\\[tbnrf\"'\\]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"  # with UCHAR, as the engine reads strings

TOKEN = re.compile(
    rf"""(?P<ws>[\x20\t\r\n]+)
    |(?P<comment>\#[^\r\n]*)
    |(?P<string>'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}))*'''|\"\"\"(?:(?:"|"")?(?:[^"\\]|{_ECHAR}))*\"\"\"
        |'(?:[^'\\\r\n]|{_ECHAR})*'|"(?:[^"\\\r\n]|{_ECHAR})*")
    |(?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}})*>)
    |(?P<pname>(?:{_PREFIX})?:(?:{_LOCAL})?)
    |(?P<bnode>_:[{_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?)
    |(?P<var>[?$]{_VARNAME})
    |(?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
    |(?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)
    |(?P<word>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<open><<|[{{(\[])
    |(?P<close>>>|[}})\]])
    |(?P<punct>.)""",
    re.VERBOSE | re.DOTALL,
)
_OPERAND_ENDS = {"string", "iri", "pname", "bnode", "var", "langtag", "number", "close", "boolean"}
_NOT_CALLS = {"A", "TRUE", "FALSE", "UNDEF"}  # words that may precede a collection's `(` in a pattern
_UNICODE_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))")


@dataclass(frozen=True)
class QueryShape:
    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE; None when the text starts with none of them
    depth: int
    uses_service: bool  # SERVICE, or LOAD in an update: both make the server fetch other URLs
    is_update: bool
    has_dataset: bool = False  # FROM or FROM NAMED: the query names its own dataset
    # (kind, text, depth) of every token as the engine reads them, when the whole text was lexed and
    # has no \\u escapes (whose two readings may differ); for further reading, such as azkg.sparql.anchored
    tokens: tuple[tuple[str, str, int], ...] = field(default=(), compare=False, repr=False)


def unescape_codepoints(text: str) -> str:
    """\\uXXXX and \\UXXXXXXXX replaced in the whole text, as the standard's parsers do: a backslash
    takes the character after it along (so `\\\\u0041` stays), and an escape that is not a code point
    stays as written, with the characters it took."""
    if "\\u" not in text and "\\U" not in text:
        return text
    out: list[str] = []
    start = index = 0
    while (index := text.find("\\", index)) != -1:
        match = _UNICODE_ESCAPE.match(text, index)
        code = int(match.group(1) or match.group(2), 16) if match else None
        if match is None or code is None or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            index += {"u": 6, "U": 10}.get(text[index + 1 : index + 2], 2)
            continue
        out += [text[start:index], chr(code)]
        start = index = match.end()
    out.append(text[start:])
    return "".join(out)


def tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """(kind, text, depth before the token) for each token but whitespace and comments; `<` and `<=`
    after an operand in an expression come as punct, never as the start of an IRI."""
    stack: list[str] = []  # "e" expression bracket, "p" pattern bracket (group, collection, [ ], << >>)
    previous = ""  # kind of the previous token
    calls = False  # the previous token takes a bracketed expression (FILTER, a function's name...)
    position = 0
    while position < len(text):
        in_expression = bool(stack) and stack[-1] == "e"
        if in_expression and previous in _OPERAND_ENDS and text[position] == "<":
            kind, value = "punct", "<=" if text.startswith("<=", position) else "<"
        else:
            match = TOKEN.match(text, position)
            assert match is not None and match.lastgroup is not None  # punct matches any character
            kind, value = match.lastgroup, match.group()
        position += len(value)
        if kind in ("ws", "comment"):
            continue
        yield kind, value, len(stack)
        if kind == "open":
            stack.append("e" if value == "(" and (in_expression or calls or not stack) else "p")
        elif kind == "close" and stack:
            stack.pop()
        word = kind == "word" and value.upper() not in _NOT_CALLS
        calls = word or (kind in ("iri", "pname") and (in_expression or (previous == "word" and calls)))
        previous = "boolean" if kind == "word" and value.upper() in ("TRUE", "FALSE") else kind


def scan(text: str, max_depth: int | None = None) -> QueryShape:
    """The shape as the engine reads the text, made worse (deeper, with SERVICE) by the standard's
    reading when the two differ. Past `max_depth` the lexing stops: the query is refused anyway."""
    shape = _scan(text, max_depth)
    unescaped = unescape_codepoints(text)
    if unescaped is text:
        return shape
    other = _scan(unescaped, max_depth)
    return replace(
        shape, depth=max(shape.depth, other.depth), uses_service=shape.uses_service or other.uses_service, tokens=()
    )


def _scan(text: str, max_depth: int | None) -> QueryShape:
    deepest = 0
    form: str | None = None
    first_word: str | None = None
    service = dataset = False
    lexed: list[tuple[str, str, int]] | None = []
    for token in tokens(text):
        kind, value, depth = token
        deepest = max(deepest, depth + (kind == "open"))
        if max_depth is not None and deepest > max_depth:
            lexed = None
            break
        lexed.append(token)  # type: ignore[union-attr]  # None only after the break
        if kind != "word":
            continue
        word = value.upper()
        if first_word is None and word in FORMS | UPDATES:
            first_word = word
        if form is None and word in FORMS and depth == 0:
            form = word
        service = service or word == "SERVICE" or (word == "LOAD" and depth == 0)
        dataset = dataset or (word == "FROM" and depth == 0)
    is_update = first_word in UPDATES and form is None
    return QueryShape(form, deepest, service, is_update, dataset, tuple(lexed or ()))
