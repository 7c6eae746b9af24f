"""Render the demo corpus (feeds, sitemaps, pages, manifest) from the article data."""

from __future__ import annotations

import html
import json
import shutil
import sys
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from articles_a import FOB, LEDGER
from articles_b import OBSERVER, SYNDICATED, WIRE
from articles_c import VESTNIK

OUT = (
    Path(sys.argv[1])
    if len(sys.argv) > 1
    else Path(__file__).resolve().parents[2] / "flows" / "demo_corpus"
)

SITES = {
    "fob": dict(
        folder="foreign-office-bulletin",
        name="Foreign Office Bulletin",
        lang="en",
        tagline="Press releases and readouts of the Ministry of Foreign Affairs, Islamabad",
        country="PAK",
    ),
    "ledger": dict(
        folder="eastern-ledger",
        name="The Eastern Ledger",
        lang="en-SG",
        tagline="Asia's diplomacy, read closely",
        country="SGP",
    ),
    "wire": dict(
        folder="meridian-wire",
        name="Meridian Wire",
        lang="en-US",
        tagline="Independent international news agency",
        country=None,
    ),
    "observer": dict(
        folder="gulf-horn-observer",
        name="The Gulf & Horn Observer",
        lang="en-GB",
        tagline="News from the Gulf, the Horn and the wider Africa",
        country="ARE",
    ),
    "vestnik": dict(
        folder="evrazijskij-vestnik",
        name="Евразийский вестник",
        lang="ru",
        tagline="Дипломатия и экономика Евразии",
        country="RUS",
    ),
}
RUSSIAN_MONTHS = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip

OBSERVER_SECTIONS = {
    "D1": "africa",
    "D2": "africa",
    "D3": "gulf",
    "D4": "africa",
    "D5": "gulf",
    "D6": "africa",
    "D7": "africa",
    "D8": "asia",
}

e = html.escape


def dt(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def site_path(site: str, a: dict) -> str:
    d = dt(a["date"])
    if site == "fob":
        return f"press-releases/{d:%Y/%m}/{a['slug']}.html"
    if site == "ledger":
        return f"{d:%Y/%m}/{a['slug']}.html"
    if site == "wire":
        return f"news/{d:%Y/%m/%d}/{a['slug']}.html"
    if site == "vestnik":
        return f"novosti/{d:%Y/%m}/{a['slug']}.html"
    return f"news/{OBSERVER_SECTIONS[a['key']]}/{a['slug']}-{d:%Y%m%d}.html"


def jsonld(site: str, a: dict, url: str) -> str:
    s = SITES[site]
    author = (
        {"@type": "Organization", "name": a["author"]}
        if site == "fob" or "Wire" in a["author"]
        else {"@type": "Person", "name": a["author"]}
    )
    doc = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "headline": a["title"],
        "description": a["description"],
        "datePublished": a["date"],
        "author": author,
        "publisher": {
            "@type": "Organization",
            "name": s["name"],
            "logo": {"@type": "ImageObject", "url": "{{BASE}}/img/logo.svg"},
        },
        "inLanguage": s["lang"],
    }
    if a.get("modified"):
        doc["dateModified"] = a["modified"]
    if a.get("photo"):
        doc["image"] = [f"{{{{BASE}}}}/img/{a['slug']}.svg"]
    if site == "observer":
        doc["articleSection"] = OBSERVER_SECTIONS[a["key"]].title()
    text = json.dumps(doc, ensure_ascii=False, indent=2).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>'


def head(site: str, a: dict, url: str, extra_css: str) -> str:
    s = SITES[site]
    og_image = (
        f'\n  <meta property="og:image" content="{{{{BASE}}}}/img/{a["slug"]}.svg">'
        if a.get("photo")
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="{s["lang"]}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{e(a["title"])} | {e(s["name"])}</title>
  <meta name="description" content="{e(a["description"])}">
  <meta property="og:type" content="article">
  <meta property="og:site_name" content="{e(s["name"])}">
  <meta property="og:title" content="{e(a["title"])}">
  <meta property="og:description" content="{e(a["description"])}">
  <meta property="og:url" content="{url}">{og_image}
  <meta property="article:published_time" content="{a["date"]}">
  <link rel="canonical" href="{url}">
  <link rel="alternate" type="{"application/atom+xml" if site == "wire" else "application/rss+xml"}" title="{e(s["name"])}" href="{{{{BASE}}}}/feed.xml">
  <style>{extra_css}</style>
  {jsonld(site, a, url)}
</head>
"""


def human_date(d: datetime) -> str:
    return f"{d.day} {d:%B %Y}"


def paragraphs_html(a: dict, indent: str = "      ") -> str:
    return "\n".join(f"{indent}<p>{e(p)}</p>" for p in a["paragraphs"])


def figure(a: dict, cls: str) -> str:
    if not a.get("photo"):
        return ""
    return (
        f'<figure class="{cls}">\n        <img src="{{{{BASE}}}}/img/{a["slug"]}.svg" '
        f'alt="{e(a["photo"])}" width="800" height="450">\n'
        f'        <figcaption>{e(a["photo"])} <span class="credit">Photo: {e(a["photo_credit"])}'
        f"</span></figcaption>\n      </figure>"
    )


def related(site: str, a: dict, all_site: list[dict], n: int = 3) -> list[dict]:
    others = [b for b in all_site if b["key"] != a["key"]]
    others.sort(key=lambda b: abs((dt(b["date"]) - dt(a["date"])).total_seconds()))
    return others[:n]


def rel_links(site: str, items: list[dict]) -> str:
    return "\n".join(
        f'        <li><a href="{{{{BASE}}}}/{site_path(site, b)}">{e(b["title"])}</a></li>'
        for b in items
    )


# ---------------------------------------------------------------- templates, one per site


def page_fob(a: dict, all_site: list[dict]) -> str:
    url = f"{{{{BASE}}}}/{site_path('fob', a)}"
    d = dt(a["date"])
    css = "body{font-family:Georgia,serif;margin:0}#masthead{background:#01411c;color:#fff}"
    return (
        head("fob", a, url, css)
        + f"""<body class="press-release">
<div id="cookie-notice" class="cookie-banner" role="dialog" aria-label="Cookie notice">
  <p>This website uses cookies to remember your preferences and to measure visits. By continuing to browse you accept our use of cookies.</p>
  <button type="button" class="cookie-accept">I agree</button> <a href="{{{{BASE}}}}/index.html#privacy">Privacy policy</a>
</div>
<header id="masthead">
  <div class="crest">Foreign Office Bulletin</div>
  <div class="tagline">{e(SITES["fob"]["tagline"])}</div>
  <nav id="main-nav" aria-label="Main">
    <ul>
      <li><a href="{{{{BASE}}}}/index.html">Home</a></li>
      <li><a href="{{{{BASE}}}}/index.html#press-releases">Press Releases</a></li>
      <li><a href="{{{{BASE}}}}/index.html#briefings">Weekly Briefings</a></li>
      <li><a href="{{{{BASE}}}}/index.html#missions">Missions Abroad</a></li>
      <li><a href="{{{{BASE}}}}/feed.xml">RSS</a></li>
    </ul>
  </nav>
</header>
<div id="breadcrumb"><a href="{{{{BASE}}}}/index.html">Home</a> &rsaquo; <a href="{{{{BASE}}}}/index.html#press-releases">Press Releases</a> &rsaquo; {d:%Y}</div>
<div id="content" class="container">
  <div class="row">
    <div id="primary" class="col-main">
      <h1 class="entry-title">{e(a["title"])}</h1>
      <div class="entry-meta">
        <span class="pr-number">Press Release No. {a["pr_number"]}/{d:%Y}</span>
        <time datetime="{a["date"]}">{human_date(d)}</time>
        <span class="dateline">{e(a["dateline"])}</span>
        <span class="byline">{e(a["author"])}</span>
      </div>
      {figure(a, "wp-caption")}
      <div class="entry-content">
{paragraphs_html(a)}
      </div>
      <div class="share-widget">
        <span>Share:</span>
        <a class="share-x" href="https://x.com/intent/post?url={url}">Post</a>
        <a class="share-fb" href="https://www.facebook.com/sharer/sharer.php?u={url}">Facebook</a>
        <a class="share-mail" href="mailto:?subject={e(a["title"])}">Email</a>
        <a class="print" href="javascript:window.print()">Print</a>
      </div>
    </div>
    <aside id="sidebar" class="col-side">
      <div class="widget related-posts">
        <h3>Related Press Releases</h3>
        <ul>
{rel_links("fob", related("fob", a, all_site))}
        </ul>
      </div>
      <div class="widget newsletter-signup">
        <h3>Subscribe to press releases</h3>
        <p>Receive every press release and the weekly briefing transcript in your inbox.</p>
        <form action="#" method="post"><input type="email" name="email" placeholder="Your email address"><button type="submit">Subscribe</button></form>
      </div>
    </aside>
  </div>
</div>
<footer id="colophon">
  <p>Foreign Office Bulletin &middot; Constitution Avenue, Islamabad &middot; Public Diplomacy Division</p>
  <p><a href="{{{{BASE}}}}/index.html#contact">Contact</a> | <a href="{{{{BASE}}}}/index.html#privacy">Privacy</a> | <a href="{{{{BASE}}}}/sitemap.xml">Sitemap</a></p>
  <p>&copy; {d:%Y} Foreign Office Bulletin. All rights reserved.</p>
</footer>
</body>
</html>
"""
    )


def page_ledger(a: dict, all_site: list[dict]) -> str:
    url = f"{{{{BASE}}}}/{site_path('ledger', a)}"
    d = dt(a["date"])
    css = "body{font-family:'Helvetica Neue',Arial,sans-serif}.site-header{border-bottom:3px solid #b3001b}"
    mod = ""
    if a.get("modified"):
        mod = f' <span class="updated">Updated <time datetime="{a["modified"]}">{human_date(dt(a["modified"]))}</time></span>'
    return (
        head("ledger", a, url, css)
        + f"""<body>
<a class="skip-link" href="#story">Skip to content</a>
<header class="site-header">
  <a class="logo" href="{{{{BASE}}}}/index.html">The Eastern Ledger</a>
  <nav class="primary-nav">
    <a href="{{{{BASE}}}}/index.html">Latest</a>
    <a href="{{{{BASE}}}}/index.html#southeast-asia">Southeast Asia</a>
    <a href="{{{{BASE}}}}/index.html#south-asia">South Asia</a>
    <a href="{{{{BASE}}}}/index.html#east-asia">East Asia</a>
    <a href="{{{{BASE}}}}/index.html#pacific">Pacific</a>
    <a href="{{{{BASE}}}}/index.html#opinion">Opinion</a>
  </nav>
  <a class="subscribe-button" href="{{{{BASE}}}}/index.html#subscribe">Subscribe</a>
</header>
<main>
  <article id="story" class="story">
    <header class="story-header">
      <p class="kicker">Diplomacy</p>
      <h1 class="headline">{e(a["title"])}</h1>
      <p class="standfirst">{e(a["description"])}</p>
      <div class="byline-block">
        <span class="byline">By <a rel="author" href="{{{{BASE}}}}/index.html#staff">{e(a["author"])}</a></span>
        <span class="dateline">{e(a["dateline"].upper())}</span>
        <time class="published" datetime="{a["date"]}">{human_date(d)}, {d:%H:%M}</time>{mod}
      </div>
      <div class="share-tools" aria-label="Share this story">
        <button class="share" data-network="whatsapp">WhatsApp</button>
        <button class="share" data-network="linkedin">LinkedIn</button>
        <button class="share" data-network="copy">Copy link</button>
      </div>
    </header>
    {figure(a, "story-image")}
    <div class="story-body">
{paragraphs_html(a)}
    </div>
    <footer class="story-footer">
      <p class="tags">Topics: <a href="{{{{BASE}}}}/index.html#diplomacy">Diplomacy</a></p>
    </footer>
  </article>
  <section class="related-stories">
    <h2>More from The Eastern Ledger</h2>
    <ul>
{rel_links("ledger", related("ledger", a, all_site, 4))}
    </ul>
  </section>
  <section class="newsletter-box">
    <h2>The Ledger Briefing</h2>
    <p>One email every weekday morning with the diplomatic stories that matter across Asia. Free, and you can unsubscribe at any time.</p>
    <form><input type="email" placeholder="you@example.com"><button>Sign me up</button></form>
  </section>
</main>
<footer class="site-footer">
  <ul>
    <li><a href="{{{{BASE}}}}/index.html#about">About us</a></li>
    <li><a href="{{{{BASE}}}}/index.html#ethics">Editorial standards</a></li>
    <li><a href="{{{{BASE}}}}/index.html#terms">Terms of use</a></li>
  </ul>
  <p>The Eastern Ledger is published in Singapore. &copy; 2026 Eastern Ledger Media Pte.</p>
</footer>
<div class="consent-banner" id="gdpr-consent">
  <p>We and our partners use cookies to personalise content and ads and to analyse our traffic. Choose "Accept all" to consent or "Manage" to set your preferences.</p>
  <button>Accept all</button><button>Manage</button>
</div>
</body>
</html>
"""
    )


def page_wire(a: dict, all_site: list[dict]) -> str:
    url = f"{{{{BASE}}}}/{site_path('wire', a)}"
    d = dt(a["date"])
    css = "body{font-family:Arial,sans-serif;max-width:760px;margin:auto}"
    mod = ""
    if a.get("modified"):
        mod = f'<br><span class="upd">Updated {dt(a["modified"]):%H:%M} GMT</span>'
    return (
        head("wire", a, url, css)
        + f"""<body>
<div id="top-bar"><a href="{{{{BASE}}}}/index.html"><strong>MERIDIAN WIRE</strong></a> | <a href="{{{{BASE}}}}/index.html#world">World</a> | <a href="{{{{BASE}}}}/index.html#business">Business</a> | <a href="{{{{BASE}}}}/index.html#clients">For clients</a></div>
<main id="main">
  <h1>{e(a["title"])}</h1>
  <div class="meta">
    <div class="author">By {e(a["author"])}</div>
    <div class="dateline">{e(a["dateline"])}, {d:%b} {d.day} {d:%H:%M} GMT{mod}</div>
  </div>
  <div class="article-text">
{paragraphs_html(a, "    ")}
  </div>
  <div class="trust">Reporting by {e(a["author"])}; Editing by Meridian Wire desk</div>
  <div class="sharebar"><a href="mailto:?subject={e(a["title"])}">Email</a> <a href="https://x.com/intent/post?url={url}">X</a> <a href="#" class="copy">Copy link</a></div>
  <div class="more-news">
    <h4>Read next</h4>
    <ul>
{rel_links("wire", related("wire", a, all_site))}
    </ul>
  </div>
</main>
<div class="signup">
  <h4>Meridian Daily Digest</h4>
  <p>Get the top international headlines from Meridian Wire every evening. Enter your email to subscribe.</p>
  <input type="email"> <button>Subscribe</button>
</div>
<div id="cookies" class="cookie-consent">
  <p>Meridian Wire uses strictly necessary cookies and, with your consent, analytics cookies. <a href="{{{{BASE}}}}/index.html#cookies">Cookie settings</a></p>
  <button>OK</button>
</div>
<footer><p>All quotes delayed a minimum of 15 minutes. &copy; 2026 Meridian Wire. All rights reserved. <a href="{{{{BASE}}}}/index.html#terms">Terms</a></p></footer>
</body>
</html>
"""
    )


def page_observer(a: dict, all_site: list[dict]) -> str:
    url = f"{{{{BASE}}}}/{site_path('observer', a)}"
    d = dt(a["date"])
    sec = OBSERVER_SECTIONS[a["key"]]
    css = "body{font-family:'Noto Sans',sans-serif}header.top{background:#0b3d5c;color:#fff}"
    paras = "\n".join(f"          <p>{e(p)}</p>" for p in a["paragraphs"])
    source_note = ""
    if a.get("source_note"):
        source_note = f'\n          <span class="source-label">{e(a["source_note"])}</span>'
    return (
        head("observer", a, url, css)
        + f"""<body class="single single-post">
<div class="cookie-bar" id="cookie-law-info-bar">
  <span>We use cookies on our website to give you the most relevant experience. By clicking &ldquo;Accept&rdquo;, you consent to the use of ALL the cookies.</span>
  <a role="button" class="cookie_action_close_header">Accept</a>
</div>
<header class="top">
  <div class="brand"><a href="{{{{BASE}}}}/index.html">The Gulf &amp; Horn Observer</a></div>
  <nav class="menu">
    <ul>
      <li><a href="{{{{BASE}}}}/index.html">Home</a></li>
      <li><a href="{{{{BASE}}}}/index.html#gulf">Gulf</a></li>
      <li><a href="{{{{BASE}}}}/index.html#africa">Africa</a></li>
      <li><a href="{{{{BASE}}}}/index.html#asia">Asia</a></li>
      <li><a href="{{{{BASE}}}}/index.html#business">Business</a></li>
    </ul>
  </nav>
</header>
<div class="wrap">
  <div class="content-area">
    <div class="post">
      <div class="cat-links"><a href="{{{{BASE}}}}/index.html#{sec}">{sec.title()}</a></div>
      <h1 class="post-title">{e(a["title"])}</h1>
      <div class="post-meta">
        <span class="author vcard">{e(a["author"])}</span> &bull;
        <span class="place">{e(a["dateline"])}</span> &bull;
        <time class="entry-date" datetime="{a["date"]}">{d:%d/%m/%Y}</time>{source_note}
      </div>
      <div class="social-share">
        <a class="ss-facebook" href="https://www.facebook.com/sharer/sharer.php?u={url}">Share on Facebook</a>
        <a class="ss-x" href="https://x.com/intent/post?url={url}">Share on X</a>
        <a class="ss-whatsapp" href="https://wa.me/?text={url}">Share on WhatsApp</a>
      </div>
      {figure(a, "featured-image")}
      <div class="post-content">
{paras}
      </div>
      <div class="post-tags">Tags: <a href="{{{{BASE}}}}/index.html#diplomacy">Diplomacy</a></div>
    </div>
    <div class="related-posts">
      <h3>You may also like</h3>
      <ul>
{rel_links("observer", related("observer", a, all_site))}
      </ul>
    </div>
  </div>
  <aside class="widget-area">
    <section class="widget widget_newsletter">
      <h2 class="widget-title">Newsletter</h2>
      <p>Subscribe to the Observer's morning newsletter and never miss a story from the Gulf and Africa.</p>
      <form><input type="email" placeholder="Email"><input type="submit" value="Subscribe"></form>
    </section>
    <section class="widget widget_popular">
      <h2 class="widget-title">Most read</h2>
      <ol>
{rel_links("observer", related("observer", a, all_site, 5)[3:])}
      </ol>
    </section>
  </aside>
</div>
<footer class="site-footer">
  <div class="footer-widgets"><p>The Gulf &amp; Horn Observer &mdash; Dubai &middot; Nairobi &middot; Djibouti</p></div>
  <div class="site-info">&copy; 2026 Observer Media FZ-LLC | <a href="{{{{BASE}}}}/index.html#privacy">Privacy Policy</a> | <a href="{{{{BASE}}}}/index.html#advertise">Advertise</a></div>
</footer>
</body>
</html>
"""
    )


def page_vestnik(a: dict, all_site: list[dict]) -> str:
    url = f"{{{{BASE}}}}/{site_path('vestnik', a)}"
    d = dt(a["date"])
    css = "body{font-family:'PT Serif',serif;max-width:720px;margin:auto}"
    when = f"{d.day} {RUSSIAN_MONTHS[d.month - 1]} {d.year}, {d:%H:%M}"
    return (
        head("vestnik", a, url, css)
        + f"""<body>
<header><a href="{{{{BASE}}}}/index.html"><strong>Евразийский вестник</strong></a>
  <nav><a href="{{{{BASE}}}}/index.html#politika">Политика</a> · <a href="{{{{BASE}}}}/index.html#ekonomika">Экономика</a> · <a href="{{{{BASE}}}}/index.html#sport">Спорт</a></nav>
</header>
<main>
  <article>
    <h1>{e(a["title"])}</h1>
    <p class="lead">{e(a["description"])}</p>
    <p class="byline"><span class="place">{e(a["dateline"])}</span> · {e(a["author"])} · <time datetime="{a["date"]}">{when}</time></p>
    <div class="article-text">
{paragraphs_html(a)}
    </div>
  </article>
  <aside class="more">
    <h4>Читайте также</h4>
    <ul>
{rel_links("vestnik", related("vestnik", a, all_site))}
    </ul>
  </aside>
</main>
<footer><p>&copy; 2026 Евразийский вестник. Перепечатка только со ссылкой на источник.</p></footer>
</body>
</html>
"""
    )


PAGE = {
    "fob": page_fob,
    "ledger": page_ledger,
    "wire": page_wire,
    "observer": page_observer,
    "vestnik": page_vestnik,
}

# ---------------------------------------------------------------- feeds, sitemaps, index


def rss(site: str, items: list[dict]) -> str:
    s = SITES[site]
    latest = max(dt(a.get("modified") or a["date"]) for a in items)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">',
        "<channel>",
        f"  <title>{e(s['name'])}</title>",
        "  <link>{{BASE}}/index.html</link>",
        f"  <description>{e(s['tagline'])}</description>",
        f"  <language>{s['lang'].lower()}</language>",
        f"  <lastBuildDate>{format_datetime(latest)}</lastBuildDate>",
        '  <atom:link href="{{BASE}}/feed.xml" rel="self" type="application/rss+xml"/>',
    ]
    for a in sorted(items, key=lambda a: dt(a["date"]), reverse=True):
        url = f"{{{{BASE}}}}/{site_path(site, a)}"
        guid = (
            f'<guid isPermaLink="true">{url}</guid>'
            if site != "ledger"
            else f'<guid isPermaLink="false">eastern-ledger-{a["key"].lower()}-{dt(a["date"]):%Y%m%d}</guid>'
        )
        cat = (
            f"\n    <category>{OBSERVER_SECTIONS[a['key']].title()}</category>"
            if site == "observer"
            else ""
        )
        out.append(f"""  <item>
    <title>{e(a["title"])}</title>
    <link>{url}</link>
    {guid}
    <pubDate>{format_datetime(dt(a["date"]))}</pubDate>
    <dc:creator>{e(a["author"])}</dc:creator>{cat}
    <description>{e(a["description"])}</description>
  </item>""")
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out)


def atom(site: str, items: list[dict]) -> str:
    s = SITES[site]
    latest = max(dt(a.get("modified") or a["date"]) for a in items)
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{s["lang"]}">',
        f"  <title>{e(s['name'])}: World News</title>",
        f"  <subtitle>{e(s['tagline'])}</subtitle>",
        '  <link rel="self" type="application/atom+xml" href="{{BASE}}/feed.xml"/>',
        '  <link rel="alternate" type="text/html" href="{{BASE}}/index.html"/>',
        "  <id>tag:meridian-wire.invalid,2026:world</id>",
        f"  <updated>{latest.isoformat()}</updated>",
        f"  <author><name>{e(s['name'])}</name></author>",
    ]
    for a in sorted(items, key=lambda a: dt(a["date"]), reverse=True):
        url = f"{{{{BASE}}}}/{site_path(site, a)}"
        upd = a.get("modified") or a["date"]
        out.append(f"""  <entry>
    <title>{e(a["title"])}</title>
    <link rel="alternate" type="text/html" href="{url}"/>
    <id>tag:meridian-wire.invalid,{dt(a["date"]):%Y-%m-%d}:{a["slug"]}</id>
    <published>{a["date"]}</published>
    <updated>{upd}</updated>
    <author><name>{e(a["author"])}</name></author>
    <summary type="text">{e(a["description"])}</summary>
  </entry>""")
    out += ["</feed>", ""]
    return "\n".join(out)


def sitemap(site: str, items: list[dict]) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for a in sorted(items, key=lambda a: dt(a["date"])):
        lastmod = a.get("modified") or a["date"]
        out.append(
            f"  <url>\n    <loc>{{{{BASE}}}}/{site_path(site, a)}</loc>\n"
            f"    <lastmod>{lastmod}</lastmod>\n  </url>"
        )
    out += ["</urlset>", ""]
    return "\n".join(out)


def index_page(site: str, items: list[dict]) -> str:
    s = SITES[site]
    lis = "\n".join(
        f'    <li><a href="{{{{BASE}}}}/{site_path(site, a)}">{e(a["title"])}</a> '
        f'<time datetime="{a["date"]}">{human_date(dt(a["date"]))}</time></li>'
        for a in sorted(items, key=lambda a: dt(a["date"]), reverse=True)
    )
    return f"""<!DOCTYPE html>
<html lang="{s["lang"]}">
<head><meta charset="utf-8"><title>{e(s["name"])}</title>
<link rel="alternate" type="{"application/atom+xml" if site == "wire" else "application/rss+xml"}" href="{{{{BASE}}}}/feed.xml"></head>
<body>
  <h1>{e(s["name"])}</h1>
  <p>{e(s["tagline"])}</p>
  <ul class="archive">
{lis}
  </ul>
</body>
</html>
"""


def svg(label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="800" height="450" viewBox="0 0 800 450">'
        f'<rect width="800" height="450" fill="#9aa7b0"/><text x="400" y="225" font-size="20" '
        f'text-anchor="middle" fill="#fff">{e(label[:70])}</text></svg>\n'
    )


# ---------------------------------------------------------------- assemble


def main() -> None:
    by_key: dict[str, dict] = {}
    per_site: dict[str, list[dict]] = {site: [] for site in SITES}
    for site, items in (
        ("fob", FOB),
        ("ledger", LEDGER),
        ("wire", WIRE),
        ("observer", OBSERVER),
        ("vestnik", VESTNIK),
    ):
        for item in items:
            a = dict(item, site=site)
            a.setdefault("photo", None)
            by_key[a["key"]] = a
            per_site[site].append(a)
    for i, a in enumerate(per_site["fob"]):
        a["pr_number"] = 140 + i * 37
    for s in SYNDICATED:
        orig = by_key[s["copy_of"]]
        paras = list(orig["paragraphs"])
        if s["mode"] == "wire":
            paras[0] = s["prefix"] + paras[0]
            del paras[s["drop_index"]]
            note = "Source: Meridian Wire"
        else:
            note = "This article was first published by Meridian Wire and is republished under licence."
        a = dict(
            key=s["key"],
            slug=s["slug"],
            date=s["date"],
            title=s["title"],
            description=orig["description"],
            author=s["author"],
            dateline=s["dateline"],
            photo=None,
            areas=orig["areas"],
            parties=orig["parties"],
            mentioned=orig["mentioned"],
            paragraphs=paras,
            site=s["site"],
            syndicated_of=orig["key"],
            source_note=note,
        )
        by_key[a["key"]] = a
        per_site[s["site"]].append(a)

    for a in by_key.values():
        if a.get("photo"):
            a["photo_credit"] = {
                "fob": "Foreign Office",
                "ledger": "Ledger staff",
                "observer": "Observer/Handout",
                "wire": "Meridian Wire",
                "vestnik": "Евразийский вестник",
            }[a["site"]]

    for site in SITES.values():
        if (OUT / site["folder"]).exists():
            shutil.rmtree(OUT / site["folder"])
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = []
    for site, items in per_site.items():
        folder = OUT / SITES[site]["folder"]
        (folder / "img").mkdir(parents=True, exist_ok=True)
        (folder / "img" / "logo.svg").write_text(svg(SITES[site]["name"]), encoding="utf-8")
        for a in items:
            p = folder / site_path(site, a)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(PAGE[site](a, items), encoding="utf-8")
            if a.get("photo"):
                (folder / "img" / f"{a['slug']}.svg").write_text(svg(a["photo"]), encoding="utf-8")
        (folder / "feed.xml").write_text(
            atom(site, items) if site == "wire" else rss(site, items), encoding="utf-8"
        )
        (folder / "sitemap.xml").write_text(sitemap(site, items), encoding="utf-8")
        (folder / "index.html").write_text(index_page(site, items), encoding="utf-8")

    def rel(key: str | None) -> str | None:
        if key is None:
            return None
        b = by_key[key]
        return f"{SITES[b['site']]['folder']}/{site_path(b['site'], b)}"

    for a in sorted(by_key.values(), key=lambda a: dt(a["date"])):
        manifest.append(
            {
                "site": SITES[a["site"]]["folder"],
                "path": rel(a["key"]),
                "title": a["title"],
                "published": a["date"],
                "areas": a["areas"],
                "parties": a["parties"],
                "mentioned": a["mentioned"],
                "syndicated_of": rel(a.get("syndicated_of")),
                "independent_of": rel(a.get("independent_of")),
            }
        )
    (OUT / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(f"{len(manifest)} articles written to {OUT}")


if __name__ == "__main__":
    main()
