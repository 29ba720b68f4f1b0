"""The free-text scrubber: what it replaces, and what it must leave alone."""

from __future__ import annotations

from coordination.redaction.scrub import scrub

NAMES = {"Siti Aminah": "Korban-1", "Budi Santoso": "Terduga-1", "Ani": "Korban-2"}
IDS = {"081234567890": "[TELEPON]", "1234567890": "[REKENING]"}


def test_whole_names_then_their_words_in_any_case():
    text = "SITI AMINAH dan siti, juga Santoso. Budi Santoso; Ani."
    assert scrub(text, NAMES, IDS) == "Korban-1 dan Korban-1, juga Terduga-1. Terduga-1; Korban-2."


def test_words_inside_other_words_are_left_alone():
    # "Ani" is a name; "Aninda" and "Mani" are not her.
    assert scrub("Aninda bertemu Mani", NAMES, IDS) == "Aninda bertemu Mani"


def test_identifiers_longest_first_then_patterns():
    text = "Kirim ke 081234567890 dari 1234567890, NIK 3174015506100003, email x.y@contoh.id, hp +62 812-1111-2222"
    assert scrub(text, NAMES, IDS) == ("Kirim ke [TELEPON] dari [REKENING], NIK [NIK], email [EMAIL], hp [TELEPON]")


def test_letters_that_lower_to_two_characters_do_not_shift_names():
    assert scrub("İbu Siti Aminah", NAMES, {}) == "İbu Korban-1"
