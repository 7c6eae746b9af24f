from __future__ import annotations

import codecs

import pytest

from entente.ingest.charset import decode_html, detect_encoding

FRENCH = "<p>Le ministre des Affaires étrangères a reçu à Genève son homologue — réunion.</p>"


@pytest.mark.parametrize(
    ("text", "encoding", "label", "expected"),
    [
        # The header says Latin-1, the bytes are UTF-8: the bytes win.
        (FRENCH, "utf-8", "iso-8859-1", "utf-8"),
        # The header says UTF-8, the bytes are Windows-1252.
        (FRENCH, "cp1252", "utf-8", "cp1252"),
        # The page's own meta tag is right, the header wrong.
        (
            '<meta charset="shift_jis"><p>外務大臣が会談した。</p>',
            "shift_jis",
            "utf-8",
            "shift_jis",
        ),
        # No label at all: detection.
        (
            "<p>Министры иностранных дел обсудили сотрудничество в энергетике.</p>",
            "cp1251",
            None,
            "cp1251",
        ),
        (
            "<p>Spotkanie ministrów spraw zagranicznych w Gdańsku dotyczyło współpracy"
            " energetycznej i bezpieczeństwa.</p>",
            "cp1250",
            None,
            "cp1250",
        ),
        (
            "<p>Η συνάντηση των υπουργών αφορούσε την ενεργειακή συνεργασία.</p>",
            "cp1253",
            None,
            "cp1253",
        ),
    ],
)
def test_mislabelled_pages_decode_right(
    text: str, encoding: str, label: str | None, expected: str
) -> None:
    body = text.encode(encoding)
    assert codecs.lookup(detect_encoding(body, label)).name == codecs.lookup(expected).name
    assert decode_html(body, label) == text


def test_bom_wins_and_latin1_labels_read_as_windows_1252() -> None:
    assert decode_html(codecs.BOM_UTF8 + "é".encode(), "iso-8859-1") == "é"
    assert decode_html("“quoted” – dash é".encode("cp1252"), "iso-8859-1") == "“quoted” – dash é"


def test_undecodable_bytes_never_raise() -> None:
    assert isinstance(decode_html(bytes(range(256)) * 4, "no-such-charset"), str)
