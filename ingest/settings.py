"""Sources file and runtime settings, validated where untrusted input enters."""

from __future__ import annotations

import codecs
import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import idna
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from entente.transforms.errors import ConfigError

DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (compatible; Entente/0.1; +https://github.com/entente-news/entente)"
)


class FetchSettings(BaseModel):
    """The `[fetch]` table: how Entente talks to the network."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    allow_private_networks: bool = False
    # Networks the SSRF guard lets through even when private ones are refused (an intranet).
    allowed_networks: tuple[str, ...] = ()
    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=20.0, gt=0)
    total_timeout: float = Field(default=60.0, gt=0)
    # Seconds one source may take per run, feed or archive walk and pages: what is not
    # fetched by then waits for the next run, so a slow server cannot hold a run.
    source_budget: float = Field(default=300.0, gt=0)
    backfill_source_budget: float = Field(default=3600.0, gt=0)
    max_redirects: int = Field(default=5, ge=0, le=20)
    max_bytes: int = Field(default=10_000_000, gt=1024)
    max_articles_per_source: int = Field(default=200, gt=0)
    # Politeness: at most this many requests in flight to one host, this far apart at least.
    max_connections: int = Field(default=32, ge=1, le=512)
    max_connections_per_host: int = Field(default=2, ge=1, le=16)
    min_host_delay: float = Field(default=1.0, ge=0)
    respect_robots: bool = True
    contact_url: str | None = None
    # Transient failures (connect errors, timeouts, 5xx) are retried with backoff and jitter.
    retries: int = Field(default=2, ge=0, le=10)
    backoff_base: float = Field(default=1.0, ge=0)
    max_retry_after: float = Field(default=120.0, ge=0)
    max_decompression_ratio: float = Field(default=200.0, gt=1)
    # Source health: a failing source is polled less often, then disabled.
    poll_interval: float = Field(default=900.0, gt=0)
    max_poll_interval: float = Field(default=86_400.0, gt=0)
    disable_after_failures: int = Field(default=10, ge=1)

    @field_validator("allowed_networks")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for network in value:
            ipaddress.ip_network(network, strict=False)  # raises ValueError, reported by pydantic
        return value

    def agent(self) -> str:
        """The User-Agent header: `user_agent`, with `contact_url` swapped in when given."""
        if not self.contact_url:
            return self.user_agent
        return f"Mozilla/5.0 (compatible; Entente/0.1; +{self.contact_url})"


class Source(BaseModel):
    """One `[[sources]]` entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    url: str
    kind: Literal["feed", "sitemap"] = "feed"
    country: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    sitemap: str | None = None
    active: bool = True

    @field_validator("url", "sitemap")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        return None if value is None else check_http_url(value)


# A host name label (RFC 1123, with the underscore some real hosts carry), at most 63 bytes.
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")


_DOTTED_QUAD = re.compile(r"[0-9]+(?:\.[0-9]+){3}")


def _check_host(host: str, bracketed: bool) -> None:
    """Raise ValueError unless `host` (as urlsplit lowercases it) is one httpx can connect to
    and a resolver takes: an IPv6 literal in brackets, an IPv4 address, or labels of letters,
    digits, '-' and '_', IDNA encoded as httpx encodes them (with the idna package)."""
    if bracketed:
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            raise ValueError(f"host [{host}] is not an IPv6 address") from None
        return
    name = host[:-1] if host.endswith(".") else host  # a fully qualified name's root dot
    try:
        ascii_name = name if name.isascii() else idna.encode(name).decode("ascii")
        if "xn--" in ascii_name:
            idna.decode(ascii_name)  # a malformed A-label fails here, as it does in httpx
        if _DOTTED_QUAD.fullmatch(ascii_name):
            ipaddress.IPv4Address(ascii_name)
    except (UnicodeError, ValueError):
        ascii_name = ""
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"host {host!r} is not a valid host name")


def _host_and_port(netloc: str) -> tuple[str, str]:
    """A URL authority's host and port, as written (no userinfo)."""
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):
        host, _, rest = hostport.partition("]")
        return host + "]", rest.removeprefix(":")
    host, _, port = hostport.partition(":")
    return host, port


def check_http_url(value: str) -> str:
    """`value` if the fetcher can use it as an http(s) URL; else ValueError saying what is wrong.

    Checked at load so that a typo fails the sources file with one line, instead of failing
    the source at every run until it is disabled.
    """
    bad = next((c for c in value if c.isspace() or not c.isprintable()), None)
    if bad is not None:
        raise ValueError(
            f"{value!r} contains {bad!r}; a URL holds no spaces or control characters"
            " (write a space in a path as %20)"
        )
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a usable URL: {exc}") from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise ValueError("must be an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError(f"{value!r} has no host")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        port_text = _host_and_port(parts.netloc)[1]
        raise ValueError(f"port {port_text!r} is not a number from 1 to 65535")
    _check_host(parts.hostname, _host_and_port(parts.netloc)[0].startswith("["))
    return value


class AlertSettings(BaseModel):
    """The `[alerts]` table: where alerts raised after a run are sent, if anywhere."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    webhook: str | None = None  # receives each run's new alerts as one JSON POST
    timeout: float = Field(default=10.0, gt=0)

    @field_validator("webhook")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        return None if value is None else check_http_url(value)


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fetch: FetchSettings = FetchSettings()
    alerts: AlertSettings = AlertSettings()
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run needs, built once at the edge and passed down explicitly."""

    db_path: Path
    sources_path: Path | None
    fetch: FetchSettings
    sources: tuple[Source, ...]
    taxonomy_path: Path | None = None
    alerts: AlertSettings = field(default_factory=AlertSettings)
    # A DuckLake catalog (`postgres:dbname=... host=...`) in place of the file at db_path,
    # and where its Parquet files go (warehouse/lake.py).
    lake: str | None = None
    lake_data: str | None = None


def parse_day(text: str | None, flag: str) -> date | None:
    """A YYYY-MM-DD option or parameter; None when it was not given."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{flag} {text!r} is not a date; use YYYY-MM-DD") from None


def _describe(error: ValidationError, data: dict[str, object]) -> str:
    first = error.errors()[0]
    loc = list(first["loc"])
    where = ".".join(str(part) for part in loc)
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        entries = data.get("sources")
        name = None
        if (
            isinstance(entries, list)
            and loc[1] < len(entries)
            and isinstance(entries[loc[1]], dict)
        ):
            name = entries[loc[1]].get("name")
        field_name = ".".join(str(part) for part in loc[2:]) or "entry"
        label = f"sources[{loc[1]}]" + (f" ({name!r})" if name else "")
        where = f"{label} field {field_name!r}"
    message = first["msg"].removeprefix("Value error, ")
    return f"{where}: {message}"


def parse_sources(text: str, origin: str = "<sources>") -> SourcesFile:
    """Validate a sources file's TOML text; raise ConfigError naming the entry and field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses into nested arrays and tables
        raise ConfigError(f"{origin}: not valid TOML: nested too deeply") from None
    try:
        parsed = SourcesFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: {_describe(exc, data)}") from None
    seen: set[str] = set()
    for index, source in enumerate(parsed.sources):
        if source.name in seen:
            raise ConfigError(
                f"{origin}: sources[{index}] ({source.name!r}) field 'name': duplicate name"
            )
        seen.add(source.name)
    return parsed


_UNICODE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),  # before UTF-16's, which it starts with
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


# A sources file or taxonomy is a few kilobytes; more is a mistake (`--sources /dev/zero`).
MAX_CONFIG_BYTES = 10_000_000


def read_config(path: Path, what: str) -> bytes:
    """A configuration file's bytes, or ConfigError: unreadable, or larger than it can be."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES} bytes; is it the {what}?")
    return data


def decode_toml(data: bytes, origin: str) -> str:
    """A TOML file's text: UTF-8, as TOML requires, with or without the byte order mark
    Windows editors write; else ConfigError saying where the first bad byte is."""
    for bom, name in _UNICODE_BOMS:
        if data.startswith(bom):
            raise ConfigError(f"{origin}: the file is {name}, not UTF-8; save it as UTF-8")
    if b"\x00" in data:  # valid UTF-8, but no TOML holds NUL: UTF-16 without its mark
        raise ConfigError(f"{origin}: the file holds NUL bytes (UTF-16?); save it as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{origin}: not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line});"
            " save the file as UTF-8"
        ) from None


def default_sources_text() -> str:
    return resources.files("entente.ingest").joinpath("default_sources.toml").read_text("utf-8")


def warehouse_options(
    db: str | None, lake: str | None, lake_data: str | None, env: dict[str, str]
) -> tuple[Path, str | None, str | None]:
    """The DuckDB file, or the lake and its data folder: options first, then environment.
    An option beats the other kind's variable; two of a kind given at once are refused."""
    if db and lake:
        raise ConfigError("--db and --lake name two warehouses; give one of them")
    if not db and not lake:
        if env.get("ENTENTE_DB") and env.get("ENTENTE_LAKE"):
            raise ConfigError("ENTENTE_DB and ENTENTE_LAKE are both set; unset one of them")
        lake = env.get("ENTENTE_LAKE") or None
    if lake_data and not lake:
        raise ConfigError("--lake-data goes with --lake (or ENTENTE_LAKE)")
    db_path = Path(db or env.get("ENTENTE_DB") or "entente.duckdb")
    if not lake:
        return db_path, None, None
    return db_path, lake, lake_data or env.get("ENTENTE_LAKE_DATA") or None


def load_settings(
    db: str | None = None,
    sources: str | None = None,
    environ: dict[str, str] | None = None,
    lake: str | None = None,
    lake_data: str | None = None,
) -> Settings:
    """Build settings from CLI options, then environment, then defaults."""
    env = dict(os.environ) if environ is None else environ
    db_path, lake, lake_data = warehouse_options(db, lake, lake_data, env)
    sources_arg = sources or env.get("ENTENTE_SOURCES")
    if sources_arg:
        sources_path: Path | None = Path(sources_arg)
        data = read_config(Path(sources_arg), "sources file")
        parsed = parse_sources(decode_toml(data, sources_arg), origin=sources_arg)
    else:
        sources_path = None
        parsed = parse_sources(default_sources_text(), origin="default sources")
    fetch = parsed.fetch
    if env.get("ENTENTE_ALLOW_PRIVATE_NETWORKS", "").lower() in {"1", "true", "yes"}:
        fetch = fetch.model_copy(update={"allow_private_networks": True})
    taxonomy = env.get("ENTENTE_TAXONOMY")
    return Settings(
        db_path=db_path,
        sources_path=sources_path,
        fetch=fetch,
        sources=parsed.sources,
        taxonomy_path=Path(taxonomy) if taxonomy else None,
        alerts=parsed.alerts,
        lake=lake,
        lake_data=lake_data,
    )
