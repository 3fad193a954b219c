"""A job's stage and error are stored as catalogue codes and read in the reader's
language; rows stored before codes keep their text."""

from __future__ import annotations

from api import job_texts
from matcher.messages import Message, render


def test_a_stored_error_comes_back_as_the_same_message() -> None:
    error = job_texts.interrupted(3)
    assert job_texts.error_message(job_texts.stored(error)) == error
    assert render(error, "nl") != render(error, "en")


def test_stages_are_codes_and_every_stage_a_job_stores_reads_in_both_languages() -> None:
    codes = [value for name, value in vars(job_texts).items() if name.startswith("STAGE_")]
    assert codes and all(code.startswith("stage.") for code in codes)
    for code in codes:
        message = job_texts.stage_message(code)
        assert message == Message(code)
        assert render(message, "nl") != code and render(message, "en") != code


def test_text_stored_before_codes_is_shown_as_it_was() -> None:
    old = "internal error (MemoryError); see the server log"
    for read in (job_texts.error_message, job_texts.stage_message):
        message = read(old)
        assert message is not None and render(message, "nl") == old
    assert job_texts.error_message(None) is None and job_texts.stage_message("") is None
