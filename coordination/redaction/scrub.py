"""Scrub free text before it leaves the owner: names become role labels, identifiers tags."""

from __future__ import annotations

import re

PATTERNS = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[EMAIL]"),
    (re.compile(r"(?<!\d)\d{16}(?!\d)"), "[NIK]"),
    (re.compile(r"(?<![\w])(?:\+62|62|0)\s?8[\d\- ]{7,13}\d(?!\d)"), "[TELEPON]"),
    (re.compile(r"(?<![\w])\d[\d\- .]{5,24}\d(?![\w])"), "[REKENING]"),
]
_WORD = re.compile(r"\w+")


class Scrubber:
    """Built once per projection from the case's people, then applied to every free text.

    `names`: person name -> role label; `identifiers`: exact identifier -> tag. Names are found
    word by word with one precompiled pattern (compiling a pattern per case cost more than the
    rest of a projection): a whole name is replaced where it appears, then any of its words of
    three letters or more, since a first name alone still identifies.
    """

    def __init__(self, names: dict[str, str], identifiers: dict[str, str]) -> None:
        # Longest first, so "Siti Aminah" wins over "Siti", and 12-digit accounts over their tails.
        self.identifiers = sorted(((v, t) for v, t in identifiers.items() if v), key=lambda vt: -len(vt[0]))
        self.words: dict[str, str] = {}  # one word of a name -> label
        self.phrases: dict[str, list[tuple[str, str]]] = {}  # first word -> (whole name, label)
        for name, label in sorted(names.items(), key=lambda kv: -len(kv[0])):
            words = name.lower().split()
            if not words:
                continue
            phrase = " ".join(words)
            self.phrases.setdefault(words[0], []).append((phrase, label))
            for word in words:
                if len(word) >= 3 or len(words) == 1:
                    self.words.setdefault(word, label)

    def _names(self, text: str) -> str:
        out, pos = [], 0
        lowered = text.lower()
        if len(lowered) != len(text):  # a few letters lower to two ("İ"): keep positions aligned
            lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        for match in _WORD.finditer(lowered):
            start = match.start()
            if start < pos:
                continue
            word, end, label = match.group(0), match.end(), None
            for phrase, phrase_label in self.phrases.get(word, ()):
                stop = start + len(phrase)
                if lowered.startswith(phrase, start) and (stop == len(text) or not _is_word(lowered[stop])):
                    end, label = stop, phrase_label
                    break
            if label is None:
                label = self.words.get(word)
            if label is not None:
                out += [text[pos:start], label]
                pos = end
        out.append(text[pos:])
        return "".join(out)

    def __call__(self, text: str) -> str:
        for value, tag in self.identifiers:
            text = text.replace(value, tag)
        if self.words:
            text = self._names(text)
        for pattern, tag in PATTERNS:
            text = pattern.sub(tag, text)
        return text


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def scrub(text: str, names: dict[str, str], identifiers: dict[str, str]) -> str:
    return Scrubber(names, identifiers)(text)
