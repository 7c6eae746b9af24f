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
            "cp932",  # Windows-31J, the superset browsers read Shift_JIS with
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


JAPANESE = (
    "<h1>日本とインドネシアの外務大臣が会談</h1>"
    "<p>日本とインドネシアの外務大臣は月曜日、東京で会談し、エネルギー分野での協力と"
    "海洋安全保障について意見を交換した。両大臣は、来年の首脳会議に向けて準備を進める"
    "ことで一致した。</p>"
)
KOREAN = (
    "<h1>한국과 일본 외교장관 회담</h1>"
    "<p>한국과 일본의 외교장관은 월요일 서울에서 만나 에너지 협력과 해양 안보 문제를"
    " 논의했다. 두 장관은 내년 정상회의를 준비하기로 합의했다.</p>"
)


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        # charset_normalizer names these by the supersets browsers decode them with
        (JAPANESE, "shift_jis", "cp932"),
        (JAPANESE + "<p>①</p>", "cp932", "cp932"),  # a Windows-31J character
        (JAPANESE, "euc_jp", "euc_jp"),
        (KOREAN, "euc_kr", "cp949"),
    ],
)
def test_undeclared_east_asian_pages_decode_right(text: str, encoding: str, expected: str) -> None:
    body = text.encode(encoding)
    for label in (None, "iso-8859-1"):  # no label, and a header that lies
        assert detect_encoding(body, label) == expected
        assert decode_html(body, label) == text


def test_labels_read_as_the_browser_supersets() -> None:
    body = (JAPANESE + "<p>①</p>").encode("cp932")
    assert decode_html(body, "shift_jis") == JAPANESE + "<p>①</p>"
    assert decode_html(KOREAN.encode("cp949"), "euc-kr") == KOREAN
