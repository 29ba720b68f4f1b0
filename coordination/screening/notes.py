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


def _spaced(word: str) -> str:
    """An age word or unit as notes spell it: each letter may repeat ("umuur"), one space may
    stand between letters ("u m u r"), as for code words."""
    letters = re.sub(r"(.)\1+", r"\1", re.sub(r"[^a-z]", "", word.lower()))
    return " ?".join(f"{re.escape(c)}+" for c in letters)


def _number(value: int) -> str:
    """A number whose digits may be spaced out ("1 5"), never repeated (15 is not 155)."""
    return " ?".join(str(value))


def age_pattern(params: Mapping[str, Any]) -> str | None:
    """ "umur 14", "usia14", "14th", "14 tahun", "u m u r 1 5": a child's age next to an age word
    or unit, matched on the note's digits form after ordinals are removed (ordinal_pattern)."""
    if not params["age_words"] and not params["age_units"]:
        return None
    ages = "|".join(_number(age) for age in range(params["max_mentioned_age"], 4, -1))
    parts = []
    if params["age_words"]:
        words = "|".join(_spaced(w) for w in params["age_words"])
        parts.append(rf"\b(?:{words}) ?(?:{ages})\b")
    if params["age_units"]:
        units = "|".join(_spaced(u) for u in params["age_units"])
        parts.append(rf"\b(?:{ages}) ?(?:{units})\b")
    return "|".join(parts)


def ordinal_pattern(params: Mapping[str, Any]) -> str | None:
    """A number after an ordinal word ("ulang tahun ke 15", "ke-15": the 15th) counts something
    else than an age; the engine and the reference blank these out before looking for ages, so a
    birthday present "kado ultah ke 15 thn" is not an age mention."""
    if not params.get("ordinal_words"):
        return None
    words = "|".join(_spaced(w) for w in params["ordinal_words"])
    return rf"\b(?:{words}) ?\d(?: ?\d)*\b"


def code_patterns(params: Mapping[str, Any]) -> dict[str, str]:
    """Label (the keyword as the policy writes it) -> pattern on the letters form."""
    return {word: keyword_pattern(word) for word in params["codes"]}


def disguise_patterns(params: Mapping[str, Any]) -> dict[str, str]:
    return {word: keyword_pattern(word) for word in params["disguise_phrases"]}


def combined(patterns: Mapping[str, str]) -> str | None:
    return "|".join(f"(?:{p})" for p in patterns.values()) or None
