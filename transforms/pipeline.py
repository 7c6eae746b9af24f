"""From extracted text to a loadable record: the pure heart of the pipeline."""

from __future__ import annotations

from datetime import datetime

from entente.transforms.classify import Taxonomy, assess, for_language
from entente.transforms.countries import (
    MENTIONED,
    PARTY,
    find_countries,
    find_organisations,
)
from entente.transforms.dedup import fingerprint
from entente.transforms.events import EventReport, build_report, event_cues
from entente.transforms.records import (
    AreaLabel,
    ArticleRecord,
    CountryMention,
    ExtractedArticle,
    FeedEntry,
)
from entente.transforms.text import (
    normalise_text,
    normalised_hash,
    strip_controls,
    word_count,
)
from entente.transforms.urls import article_id, canonical_url, trusted_canonical

PIPELINE_VERSION = "0.1.0"


def label_article(
    title: str | None, body: str, taxonomy: Taxonomy, language: str | None = None
) -> tuple[tuple[AreaLabel, ...], tuple[CountryMention, ...]]:
    """The areas of an article and its countries; parties only where it reports a dealing.

    A country is a party to a dealing between countries: an article that reports none (a match
    report, a domestic story naming a foreign place) has countries, but no parties. Only where
    the classifier reads the language (the taxonomy's scorer's) can it say so; elsewhere the
    country finder's parties stand. An article in a language Entente has cues for is read with
    them (transforms/lang/), and its cues say whether it reports a dealing; its areas need a
    country the finder reads as a party, or a multilateral body.
    """
    taxonomy = for_language(taxonomy, language)
    assessment = assess(title, body, taxonomy, language)
    areas = assessment.areas
    countries = find_countries(title, body, language)
    if (
        areas
        and taxonomy.words is not None
        and not assessment.learned
        and not any(c.role == PARTY for c in countries)
        and not find_organisations(title, body, language)
    ):
        # Where cues decide alone, an article with no country acting and no body named is
        # not about relations: a company's results that name its export markets.
        areas = ()
    if not assessment.relations and (assessment.learned or taxonomy.words is not None):
        countries = tuple(
            CountryMention(c.country, c.mentions, MENTIONED) if c.role == PARTY else c
            for c in countries
        )
    return areas, countries


def event_report(
    article_id: str,
    title: str | None,
    body: str,
    published: datetime,
    taxonomy: Taxonomy,
    language: str | None = None,
) -> EventReport:
    """An article as event grouping sees it, labelled as `build_record` labels it: for the
    benchmarks and tests that judge grouping without a warehouse."""
    areas, countries = label_article(title, body, taxonomy, language)
    return build_report(
        article_id, title, body, published, countries,
        (o.organisation for o in find_organisations(title, body, language)),
        (a.area for a in areas),
        language,
    )  # fmt: skip


def build_record(
    extracted: ExtractedArticle,
    url: str,
    source: str,
    fetched_at: datetime,
    raw_sha256: str | None,
    taxonomy: Taxonomy,
    entry: FeedEntry | None = None,
) -> ArticleRecord:
    """Derive everything Entente stores about one article from its extracted text.

    Every title and text enters the warehouse here (runs, backfills and reprocessing alike),
    so control characters from feeds and pages are dropped here, once.
    """
    title = strip_controls(extracted.title or (entry.title if entry else None) or "") or None
    published = extracted.published_at or (entry.published_at if entry else None)
    body = strip_controls(extracted.body_text)
    # The page's own rel=canonical names the article better than the link that led to it,
    # when it is on the same site and names an article (see trusted_canonical).
    identity = trusted_canonical(extracted.url or url, extracted.canonical_url)
    identity = identity or canonical_url(url)
    normalised = normalise_text(body)  # once, for the content hash and the shingles
    areas, countries = label_article(title, body, taxonomy, extracted.language)
    digest = normalised_hash(normalised)
    parties = [c.country for c in countries if c.role == PARTY]
    return ArticleRecord(
        article_id=article_id(identity),
        url=identity,
        source=source,
        title=title,
        published_at=published,
        language=extracted.language,
        body_text=body,
        word_count=word_count(body),
        content_hash=digest,
        raw_sha256=raw_sha256,
        fetched_at=fetched_at,
        pipeline_version=PIPELINE_VERSION,
        classifier_version=for_language(taxonomy, extracted.language).version,
        areas=areas,
        countries=countries,
        organisations=tuple(
            (o.organisation, o.mentions)
            for o in find_organisations(title, body, extracted.language)
        ),
        extraction_method=extracted.method,
        truncated=extracted.truncated,
        fingerprint=fingerprint(body, digest, normalised=normalised),
        event_cues=event_cues(title, body, published or fetched_at, parties, extracted.language),
    )
