"""How uploaded bytes become text: the encodings teachers' editors and spreadsheets save."""

import pytest

from quizapp.banks.importers.base import ImportFormatError, decode_text


def test_utf8_with_or_without_bom_needs_no_note():
    assert decode_text("Café\r\nµg ≥ 5\r".encode()) == ("Café\nµg ≥ 5\n", None)
    assert decode_text(b"\xef\xbb\xbfCaf\xc3\xa9") == ("Café", None)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_its_bom(codec):
    bom = {"utf-16-le": "\ufeff", "utf-16-be": "\ufeff"}.get(codec, "")
    text, note = decode_text((bom + "Réponse\r\nµg").encode(codec))
    assert (text, note) == ("Réponse\nµg", "The file is UTF-16; it was read as such.")


def test_broken_utf16_is_refused_clearly():
    with pytest.raises(ImportFormatError, match="starts like UTF-16 text but is not"):
        decode_text(b"\xff\xfeA\x00\x00\xdc")


def test_a_stray_windows_byte_in_utf8_spoils_only_itself_and_names_its_line():
    data = "Réponse\nCafé\n".encode() + b"Don\x92t\nna\xefve \x96 ok\n"
    text, note = decode_text(data)
    assert text == "Réponse\nCafé\nDon’t\nnaïve – ok\n"
    assert note == (
        "The file is UTF-8 except for bytes on lines 3, 4, read as cp1252 (Windows Western): "
        "check the characters there."
    )


def test_a_windows_file_without_utf8_letters_is_read_as_cp1252():
    text, note = decode_text(b"Caf\xe9 \x96 na\xefve\r\n")
    assert text == "Café – naïve\n"
    assert note == "The file is not UTF-8; it was read as cp1252 (Windows Western)."
