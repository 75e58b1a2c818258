"""Sentences written about Clio, told about the firm's own source, without touching the names people have."""

from __future__ import annotations

from app.sources import SOURCES, in_source_words


def test_the_system_is_renamed_and_a_name_that_starts_with_clio_is_not():
    text = "Clio trust transaction 5 of Clio Partners LLC names no client in Clio. Check Clio's matter (Clio Smith)."
    assert in_source_words(text, "Smokeball") == (
        "Smokeball trust transaction 5 of Clio Partners LLC names no client in Smokeball. Check Smokeball's matter "
        "(Clio Smith).")
    assert in_source_words(text, SOURCES["clio"].word) == text  # a Clio firm reads exactly what it always read
