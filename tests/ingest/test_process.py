"""extract_document: the one way a run extracts a fetched page."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from entente.ingest.process import extract_document
from entente.transforms.records import RawDocument

PARAGRAPH = (
    "<p>The two delegations met in the capital for a second day of talks on water rights, "
    "and their statement promised a joint commission before the end of the season.</p>"
)


def document(body: str, fetched_at: datetime, content_type: str = "text/html") -> RawDocument:
    return RawDocument(
        url="https://news.example.org/a",
        final_url="https://news.example.org/a",
        source="example",
        fetched_at=fetched_at,
        content_type=content_type,
        body=body.encode(),
    )


def test_dates_are_judged_against_the_fetch_not_the_extraction() -> None:
    html = (
        '<html><head><meta property="article:published_time" content="2024-03-12T09:30:00Z">'
        f"</head><body><article><h1>Talks</h1>{PARAGRAPH * 4}</article></body></html>"
    )
    # reprocessed long after its fetch, a page is never dated after that fetch
    fetched = datetime(2024, 3, 1, tzinfo=UTC)
    early = extract_document(document(html, fetched))
    assert early.published_at is None or early.published_at <= fetched
    later = extract_document(document(html, datetime(2024, 3, 13, tzinfo=UTC)))
    assert later.published_at == datetime(2024, 3, 12, 9, 30, tzinfo=UTC)


ARTICLES = {
    "ja": (
        "日本とインドネシアの外務大臣が会談",
        [
            "日本とインドネシアの外務大臣は月曜日、東京で会談し、エネルギー分野での協力と"
            "海洋安全保障について意見を交換した。両大臣は、来年の首脳会議に向けて準備を"
            "進めることで一致した。",
            "会談では、液化天然ガスの長期供給契約や、再生可能エネルギーへの投資拡大に"
            "ついても話し合われた。両国の企業による共同事業も検討される。",
        ],
    ),
    "ko": (
        "한국과 일본 외교장관 회담",
        [
            "한국과 일본의 외교장관은 월요일 서울에서 만나 에너지 협력과 해양 안보 문제를"
            " 논의했다. 두 장관은 내년 정상회의를 준비하기로 합의했다.",
            "회담에서는 액화천연가스 장기 공급 계약과 재생에너지 투자 확대에 대해서도 의견을"
            " 나눴다. 양국 기업의 공동 사업도 검토될 예정이다.",
        ],
    ),
    "ru": (
        "Министры иностранных дел встретились в Москве",
        [
            "Министры иностранных дел России и Индии в понедельник обсудили сотрудничество"
            " в области энергетики и безопасности на море.",
            "Стороны договорились подготовить встречу на высшем уровне в следующем году и"
            " продлить соглашение о поставках сжиженного газа.",
        ],
    ),
}


@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize(
    ("language", "encoding"),
    [("ja", "shift_jis"), ("ja", "euc_jp"), ("ko", "euc_kr"), ("ru", "cp1251")],
)
def test_legacy_encodings_come_out_whole_declared_or_not(
    language: str, encoding: str, header: bool
) -> None:
    title, paragraphs = ARTICLES[language]
    html = (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "</article></body></html>"
    )
    content_type = f"text/html; charset={encoding}" if header else "text/html"
    doc = document(html, datetime(2024, 3, 13, tzinfo=UTC), content_type)
    doc = replace(doc, body=html.encode(encoding))
    article = extract_document(doc)
    assert article.title == title
    assert article.body_text.splitlines() == paragraphs
    assert article.language == language
