"""The draft as YAML, in the layout of data/curation/*.yaml, byte for byte the same for the same input."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from azkg.build.drafting import Draft

HEADER = """\
# DRAFT claims of data/sources/{source}.txt, written by `azkg draft`. Format: docs/curation.md
#
# How to review: every claim below was drafted by rules, not read by a person. For each one, check
# the quote against the text, the value, the entity (`about`), the metric and the qualifiers; fix
# what is wrong, then delete its `draft:` line to accept it (its note says why it was drafted, and
# names near misses and conflicts with figures already curated). Delete claims that are wrong.
# Claims with `about: null` need an entity. Entities in `proposed_entities:` go to
# data/curation/entities.yaml (fixed as needed); then delete the block: the build refuses a file
# that still has it, or any `draft:` line.
"""
# characters PyYAML does not take raw in a double-quoted scalar, or takes as line breaks
UNSAFE = re.compile("[^\x09\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029\x85]")


def scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if re.fullmatch(r"-?\d+(?:\.\d+)?", text) or (
        re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", text)
        and text.lower() not in ("true", "false", "null", "yes", "no", "on", "off", "y", "n", "~")
    ):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return UNSAFE.sub(lambda m: _escape(m[0]), quoted)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def render(draft: Draft) -> str:
    lines = [
        HEADER.format(source=draft.source).rstrip("\n"),
        f"source: {draft.source}",
        f"curated_on: {draft.curated_on}",
    ]
    lines.append("claims:" if draft.claims else "claims: []")
    for claim in draft.claims:
        note = "; ".join(dict.fromkeys(n for n in claim.notes if n))
        lines.append("")
        lines.append(f"  - id: {scalar(claim.id)}")
        lines.append(f"    draft: {scalar(note) if note else 'true'}")
        for key, value in claim.fields.items():
            if isinstance(value, dict):
                inner = ", ".join(f"{k}: {scalar(v)}" for k, v in value.items())
                lines.append(f"    {key}: {{{inner}}}")
            else:
                lines.append(f"    {key}: {scalar(value)}")
    if draft.proposed:
        lines.append("")
        lines.append(
            "# New entities the text names: check each, move it to data/curation/entities.yaml, delete this block."
        )
        lines.append("proposed_entities:")
        for entity in draft.proposed:
            lines.append("")
            lines.append(f"  - id: {scalar(entity['id'])}")
            if "draft" in entity:
                lines.append(f"    draft: {scalar(entity['draft'])}")
            lines.append(f"    type: {scalar(entity['type'])}")
            lines.append(f"    label: {scalar(entity['label'])}")
            lines.append("    names: [" + ", ".join(scalar(n) for n in entity["names"]) + "]")
    return "\n".join(lines) + "\n"
