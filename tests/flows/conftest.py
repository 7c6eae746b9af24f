"""The flow tests' modules, imported at collection.

trafilatura warns when it is first imported (urllib3's SOCKS support is missing), and the
suite turns warnings into errors inside tests: a flow test that reaches the pipeline only
through `entente ...` (the CLI imports it lazily) would fail when it happens to be the first
to import it, as when its file runs alone.
"""

import entente.flows.driver  # noqa: F401
