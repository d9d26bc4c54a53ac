"""Comparing names as curators mean them: case, diacritics, quote marks and legal forms ignored.

"Sumgayit Chemical Industrial Park", "SUMGAYIT chemical industrial park" and "“Sumqayıt” Chemical
Industrial Park LLC" all compare equal; near misses ("Sumgait Industrial Park") are scored by
difflib's ratio on the normalised forms, so a look-up can offer "did you mean".
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

# Azerbaijani letters whose decomposition does not reduce to a Latin base letter
FOLDED = str.maketrans({"ə": "e", "Ə": "e", "ı": "i", "İ": "i", "ß": "ss", "ø": "o", "Ø": "o"})
QUOTES = re.compile(r"[\"'`´‘’‚‛“”„‟«»‹›]")
# legal forms written after a company name (English, Azerbaijani, Russian transliterations)
LEGAL_FORMS = re.compile(
    r"(?:\s|,)+(?:llc|ltd|limited|inc|corp|co|plc|ojsc|cjsc|jsc|pjsc|ojsc|llp|gmbh|ag|sa|spa|s\.p\.a|mmc|asc|qsc|ooo|oao|zao)\.?$"
)
NON_WORD = re.compile(r"[^\w]+")


def normalise(name: str) -> str:
    """The comparable form of a name: lower case, no diacritics, quote marks or legal-form suffix."""
    text = unicodedata.normalize("NFKD", name.translate(FOLDED))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = QUOTES.sub("", text).strip()
    while True:
        shorter = LEGAL_FORMS.sub("", text)
        if shorter == text:
            break
        text = shorter
    return NON_WORD.sub(" ", text).strip()


def similarity(a: str, b: str) -> float:
    """0 to 1, on normalised forms; 1 means the names are the same to a curator."""
    first, second = normalise(a), normalise(b)
    if not first or not second:
        return 0.0
    return SequenceMatcher(None, first, second).ratio()
