"""Language detection on short articles written for this test, in seven languages."""

from __future__ import annotations

import pytest

from entente.ingest.extract import extract_article
from entente.ingest.language import detect_language

ARTICLES = {
    "en": (
        "The foreign ministers of the two countries met in the capital on Monday and agreed "
        "to resume regular consultations on trade, energy and border security."
    ),
    "fr": (
        "Les ministres des affaires étrangères des deux pays se sont réunis lundi dans la "
        "capitale et ont convenu de reprendre des consultations régulières sur le commerce."
    ),
    "de": (
        "Die Außenminister beider Länder trafen sich am Montag in der Hauptstadt und "
        "vereinbarten, die regelmäßigen Gespräche über Handel und Energie wieder aufzunehmen."
    ),
    "es": (
        "Los ministros de Asuntos Exteriores de ambos países se reunieron el lunes en la "
        "capital y acordaron reanudar las consultas periódicas sobre comercio y energía."
    ),
    "pt": (
        "Os ministros dos Negócios Estrangeiros dos dois países reuniram-se na segunda-feira "
        "na capital e concordaram em retomar as consultas regulares sobre comércio e energia."
    ),
    "it": (
        "I ministri degli esteri dei due paesi si sono incontrati lunedì nella capitale e "
        "hanno deciso di riprendere le consultazioni regolari su commercio ed energia."
    ),
    "ru": (
        "Министры иностранных дел двух стран встретились в понедельник в столице и "
        "договорились возобновить регулярные консультации по торговле и энергетике."
    ),
}


@pytest.mark.parametrize(("code", "text"), sorted(ARTICLES.items()))
def test_detects_each_language_confidently(code: str, text: str) -> None:
    language, confidence = detect_language(text)
    assert language == code
    assert confidence is not None and 0.8 < confidence <= 1.0


@pytest.mark.parametrize(("code", "text"), sorted(ARTICLES.items()))
def test_extract_article_reports_the_text_language_not_the_declared_one(
    code: str, text: str
) -> None:
    # every page claims to be English; the detector must look at the text
    paragraphs = "".join(f"<p>{text}</p>" for _ in range(3))
    html = f'<html lang="en"><head><title>t</title></head><body><article>{paragraphs}'
    html += "</article></body></html>"
    article = extract_article(html, f"https://news.example.com/{code}/story")
    assert article.language == code
    assert article.language_confidence is not None and article.language_confidence > 0.8


def test_too_little_text_falls_back_to_the_declared_language_without_confidence() -> None:
    assert detect_language("OK", "pt-BR") == ("pt", None)
    assert detect_language("OK", None) == (None, None)
    assert detect_language("", "not a code!") == (None, None)
