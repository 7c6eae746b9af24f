"""The exception tree shared by every package.

    EntenteError
    ├── ConfigError     a sources file, taxonomy or setting is unusable
    ├── FetchError      the network did not give us a usable response
    ├── ParseError      a feed or page could not be understood
    └── WarehouseError  the database is unusable (locked for too long, corrupt, wrong version)

Every message is one line and names what failed, so it can be stored in `fetches.error` as is.
Messages quote what servers send (a header, a URL): their control characters are shown as
`\x1b`, so no message can drive the terminal it is printed on.
"""

from entente.transforms.text import escape_controls


class EntenteError(Exception):
    """Base of every error Entente raises on purpose."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(escape_controls(a) if isinstance(a, str) else a for a in args))


class ConfigError(EntenteError):
    """A configuration file or setting is invalid."""


class FetchError(EntenteError):
    """A fetch failed; `outcome` is a short machine-readable reason."""

    def __init__(self, outcome: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.status = status


class ParseError(EntenteError):
    """A document could not be parsed into anything usable."""


class WarehouseError(EntenteError):
    """The warehouse cannot be opened or written."""


def first_line(value: object) -> str:
    """The first line of `value` as text (an exception, a Prefect state): a message to store."""
    return (str(value).splitlines() or [""])[0]
