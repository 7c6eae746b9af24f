from __future__ import annotations

from pathlib import Path

import pytest

from entente.ingest.settings import default_sources_text, load_settings, parse_sources
from entente.transforms.errors import ConfigError


def test_default_list_has_at_least_15_real_feeds() -> None:
    parsed = parse_sources(default_sources_text())
    assert len(parsed.sources) >= 15
    assert all(s.url.startswith(("http://", "https://")) for s in parsed.sources)
    assert not parsed.fetch.allow_private_networks


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[[sources]]\nname = "a"\nurl = "ftp://x"\n', "sources[0] ('a') field 'url'"),
        ('[[sources]]\nname = "a"\nurl = "https://x"\nkind = "blog"\n', "field 'kind'"),
        ('[[sources]]\nname = "a"\nurl = "https://x"\ncountry = "PK"\n', "field 'country'"),
        (
            '[[sources]]\nname = "Bad Name"\nurl = "https://x"\n',
            "sources[0] ('Bad Name') field 'name'",
        ),
        ('[[sources]]\nname = "a"\n', "field 'url'"),
        ('[[sources]]\nname = "a"\nurl = "https://x"\ncolour = "red"\n', "field 'colour'"),
        (
            '[[sources]]\nname = "a"\nurl = "https://x"\n[[sources]]\nname = "a"\nurl = "https://y"\n',
            "sources[1] ('a') field 'name': duplicate name",
        ),
        ("[fetch]\nmax_redirects = -1\n", "fetch.max_redirects"),
        ('[alerts]\nwebhook = "ftp://hooks.example/x"\n', "alerts.webhook"),
        ('[alerts]\nwebhook = "https://hooks.example/a b"\n', "alerts.webhook"),
        ("[alerts]\ntimeout = 0\n", "alerts.timeout"),
        ('[alerts]\nurl = "https://hooks.example/x"\n', "alerts.url"),
        ("this is = = not toml", "not valid TOML"),
    ],
)
def test_bad_sources_file_gets_one_line_naming_entry_and_field(toml: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_sources(toml, origin="s.toml")
    message = str(info.value)
    assert expected in message
    assert message.startswith("s.toml: ")
    assert "\n" not in message


def test_an_alerts_webhook_is_optional() -> None:
    assert parse_sources("").alerts.webhook is None
    parsed = parse_sources('[alerts]\nwebhook = "https://hooks.example/entente"\n')
    assert parsed.alerts.webhook == "https://hooks.example/entente"


def test_settings_precedence(tmp_path: Path) -> None:
    sources = tmp_path / "s.toml"
    sources.write_text('[[sources]]\nname = "x"\nurl = "https://example.org/feed"\n')
    env = {"ENTENTE_DB": str(tmp_path / "env.duckdb"), "ENTENTE_SOURCES": str(sources)}
    settings = load_settings(environ=env)
    assert settings.db_path == tmp_path / "env.duckdb"
    assert [s.name for s in settings.sources] == ["x"]
    assert load_settings(db="cli.duckdb", environ=env).db_path == Path("cli.duckdb")
    assert not settings.fetch.allow_private_networks
    opened = load_settings(environ={**env, "ENTENTE_ALLOW_PRIVATE_NETWORKS": "1"})
    assert opened.fetch.allow_private_networks
    assert load_settings(environ={}).db_path == Path("entente.duckdb")


def test_missing_sources_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read sources file"):
        load_settings(sources=str(tmp_path / "nope.toml"), environ={})


def test_parse_day_is_one_line_and_names_the_flag() -> None:
    from datetime import date

    from entente.ingest.settings import parse_day

    assert parse_day("2026-06-01", "--since") == date(2026, 6, 1)
    assert parse_day(None, "--since") is None
    with pytest.raises(ConfigError, match=r"^--until '2026-02-30' is not a date; use YYYY-MM-DD$"):
        parse_day("2026-02-30", "--until")


# Issue 20, item 12: URLs that used to pass and failed only at run time, counting toward
# the source's auto-disable. Each is refused at load, naming the entry, the field and the part.
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://", "has no host"),
        ("https:///feed", "has no host"),
        ("https://exa mple.org/feed", "' '"),
        ("https://example.org/feed ", "' '"),
        ("https://exa\tmple.org/feed", "'\\t'"),
        ("https://example.org/feed\r\nX-Injected: 1", "'\\r'"),
        ("https://example.org/feed\n", "'\\n'"),
        ("https://example.org/\u200bfeed", "'\\u200b'"),
        ("https://example.org:99999/feed", "port '99999'"),
        ("https://example.org:0/feed", "port '0'"),
        ("https://example.org:http/feed", "port 'http'"),
        ("https://example.org:-1/feed", "port '-1'"),
        ("http://-bad-.org/feed", "host '-bad-.org'"),
        ("http://a..b/feed", "host 'a..b'"),
        ("http://exa!mple.org/feed", "host 'exa!mple.org'"),
        ("http://xn--zz.com/feed", "host 'xn--zz.com'"),
        ("http://" + "a" * 64 + ".org/", "host"),
        ("https://example.org:80:80/feed", "port '80:80'"),
        ("http://[v1.fe]/feed", "host [v1.fe] is not an IPv6 address"),
        ("http://[::1/feed", "not a usable URL"),
        ("http://[not:an:address]/feed", "not a usable URL"),
        ("ftp://example.org/feed", "http:// or https://"),
    ],
)
@pytest.mark.parametrize("field", ["url", "sitemap"])
def test_unusable_url_is_refused_at_load(url: str, expected: str, field: str) -> None:
    entry = {"url": "https://example.org/feed", field: url}
    toml = '[[sources]]\nname = "a"\n' + "".join(
        f"{key} = {_toml_string(value)}\n" for key, value in entry.items()
    )
    with pytest.raises(ConfigError) as info:
        parse_sources(toml, origin="s.toml")
    message = str(info.value)
    assert message.startswith(f"s.toml: sources[0] ('a') field '{field}': ")
    assert expected in message
    assert "\n" not in message and "\r" not in message


def _toml_string(value: str) -> str:
    """A TOML basic string for any text (control characters escaped)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped) + '"'


@pytest.mark.parametrize(
    "url",
    [
        "https://x",
        "https://example.org./feed",
        "http://news-site_1.example.org:8080/feed?x=1#top",
        "https://user@example.org/feed",
        "https://例え.jp/新闻/feed",
        "https://xn--r8jz45g.jp/feed",
        "http://[2606:4700::1111]:8443/feed",
        "http://[::ffff:10.0.0.1]/feed",
        "http://127.0.0.1:1/feed",
        "https://example.org:65535/feed",
        "HTTPS://EXAMPLE.ORG/Feed",
    ],
)
def test_usable_urls_still_load(url: str) -> None:
    parsed = parse_sources(f'[[sources]]\nname = "a"\nurl = {_toml_string(url)}\n')
    assert parsed.sources[0].url == url


# Issue 20, item 11: a sources file that is not UTF-8.
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ('[[sources]]\nname = "caf\u00e9"\n'.encode("latin-1"), "not UTF-8"),
        ('[[sources]]\nname = "a"\n'.encode("utf-16"), "UTF-16"),
        ('[[sources]]\nname = "a"\n'.encode("utf-32"), "UTF-32"),
        ('[[sources]]\nname = "a"\n'.encode("utf-16-le"), "NUL bytes (UTF-16?)"),
        ('[[sources]]\nname = "\u65b0\u95fb"\n'.encode("gb18030"), "not UTF-8"),
        (b"\xff\xfe\xfd", "not UTF-8"),
    ],
)
def test_sources_file_that_is_not_utf8_is_one_line(
    tmp_path: Path, data: bytes, expected: str
) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(data)
    with pytest.raises(ConfigError) as info:
        load_settings(sources=str(path), environ={})
    message = str(info.value)
    assert message.startswith(f"{path}: ") and expected in message
    assert "\n" not in message


def test_sources_file_with_a_utf8_byte_order_mark_loads(tmp_path: Path) -> None:
    """What Windows Notepad writes when asked for UTF-8."""
    path = tmp_path / "s.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'[[sources]]\nname = "a"\nurl = "https://x/"\n')
    assert [s.name for s in load_settings(sources=str(path), environ={}).sources] == ["a"]


@pytest.mark.parametrize(
    "text",
    ["x = " + "[" * 5000 + "]" * 5000, "x = " + "{a = " * 5000 + "1" + "}" * 5000],
)
def test_a_sources_file_nested_too_deeply_is_one_line(tmp_path: Path, text: str) -> None:
    """Found in issue 20's second pass: tomllib recurses, and a RecursionError was a traceback."""
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(sources=str(path), environ={})
    assert str(info.value).startswith(f"{path}: not valid TOML: nested too deeply")


def test_a_sources_file_that_never_ends_is_refused() -> None:
    """`--sources /dev/zero` (or a named pipe) read until memory ran out."""
    with pytest.raises(ConfigError, match=r"^/dev/zero: larger than"):
        load_settings(sources="/dev/zero", environ={})
