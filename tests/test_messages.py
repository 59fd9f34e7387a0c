"""The server's message catalogue: every message in both languages, with the same blanks."""
import string

from app.messages import CATALOGUE, LANGUAGES, PLACES, say


def blanks(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_is_written_in_chinese_and_english_with_the_same_blanks():
    for key, texts in CATALOGUE.items():
        assert set(texts) == set(LANGUAGES), key
        assert blanks(texts["zh"]) == blanks(texts["en"]), key
    for texts in PLACES.values():
        assert set(texts) == set(LANGUAGES)


def test_a_message_is_said_in_the_language_asked_for_and_chinese_otherwise():
    assert say("input.nul", "en", where="query") == "A query parameter contains a NUL character, which is not accepted."
    assert say("input.nul", "zh", where="query") == "查询参数含有空字符（NUL），无法接受。"
    assert say("input.nul", "fr", where="body") == say("input.nul", "zh", where="body")
