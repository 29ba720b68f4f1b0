"""Transfer notes, normalised so that spelling tricks do not hide a code word.

Both the engine (Polars string expressions) and the reference (Python `re`) use these same
normalisation steps and these same regular expressions, so they agree note for note:

1. lowercase;
2. for code words only, digits that stand for letters become letters ("0pen b0" -> "open bo");
3. everything but letters (and digits, for ages) becomes one space.

A keyword's pattern then lets each letter repeat ("jajaaan") and allows one space between
letters ("v c s", "openbo"), but must start and end on a word boundary, so "bj" does not match
inside "bjb" (a bank) nor "open bo" inside "open booking".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

DIGITS_AS_LETTERS = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "6": "g", "7": "t", "8": "b", "9": "g"}
NOT_LETTERS = r"[^a-z]+"
NOT_LETTERS_OR_DIGITS = r"[^a-z0-9]+"
AGE_LABEL = "age mention"


def letters_form(note: str) -> str:
    """Step 1-3 for code words, in plain Python (the reference; the engine mirrors it)."""
    text = note.lower().translate(str.maketrans(DIGITS_AS_LETTERS))
    return re.sub(NOT_LETTERS, " ", text).strip()


def digits_form(note: str) -> str:
    return re.sub(NOT_LETTERS_OR_DIGITS, " ", note.lower()).strip()


def _squeeze(word: str) -> str:
    """A keyword written the way notes are normalised: letters only, repeats collapsed."""
    letters = re.sub(r"[^a-z]", "", letters_form(word))
    return re.sub(r"(.)\1+", r"\1", letters)


def keyword_pattern(word: str) -> str:
    letters = _squeeze(word)
    return r"\b" + " ?".join(f"{re.escape(c)}+" for c in letters) + r"\b"


def age_pattern(params: Mapping[str, Any]) -> str | None:
    """ "umur 14", "usia14", "14th", "14 tahun": a child's age next to an age word or unit."""
    if not params["age_words"] and not params["age_units"]:
        return None
    ages = "|".join(str(age) for age in range(params["max_mentioned_age"], 4, -1))
    parts = []
    if params["age_words"]:
        words = "|".join(re.escape(w.lower()) for w in params["age_words"])
        parts.append(rf"\b(?:{words}) ?(?:{ages})\b")
    if params["age_units"]:
        units = "|".join(re.escape(u.lower()) for u in params["age_units"])
        parts.append(rf"\b(?:{ages}) ?(?:{units})\b")
    return "|".join(parts)


def code_patterns(params: Mapping[str, Any]) -> dict[str, str]:
    """Label (the keyword as the policy writes it) -> pattern on the letters form."""
    return {word: keyword_pattern(word) for word in params["codes"]}


def disguise_patterns(params: Mapping[str, Any]) -> dict[str, str]:
    return {word: keyword_pattern(word) for word in params["disguise_phrases"]}


def combined(patterns: Mapping[str, str]) -> str | None:
    return "|".join(f"(?:{p})" for p in patterns.values()) or None
