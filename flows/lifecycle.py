"""How a command that runs flows stops: on SIGTERM and Ctrl-C promptly, and leaving nothing.

`entente run` starts Prefect's temporary server and the extraction workers (about 600 MB).
Ended by SIGTERM (what `timeout`, systemd and `docker stop` send), Python's default is to
die on the spot, leaving both running; Prefect's own SIGTERM handler, active during a flow,
unwinds the flow but first waits for every task in flight, and a harvest in flight can take
minutes. So, for the commands that start processes:

- SIGTERM and SIGHUP raise `Terminated` in the main thread (Prefect's handler, when a flow
  runs, raises its own): the run unwinds and records how it ended;
- the first SIGTERM, SIGINT or SIGHUP also starts a clock: `grace` seconds later, or at a
  second signal, whatever is still running below this process is stopped (SIGTERM, then
  SIGKILL) and the process exits, without waiting for threads stuck in a fetch;
- a watchdog process (entente.flows.watchdog) stops what this process started if it dies
  without doing so itself (SIGKILL, a crash), and the workers die with their forkserver
  (ingest.process).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import FrameType

from entente.flows import watchdog
from entente.transforms.records import ProcessIdentity

# Seconds from the first signal to a forced exit: long enough for the run to record how it
# ended, short enough for `docker stop` (SIGKILL 10 s after SIGTERM) to find nothing left.
GRACE = 5.0
# Seconds the processes below get to end on SIGTERM before SIGKILL.
STOP_GRACE = 2.5
_WATCHED = frozenset({signal.SIGTERM, signal.SIGINT, signal.SIGHUP})

# The process's one watchdog, once started (the environment mark is the process's too).
_watchdog: dict[str, subprocess.Popen[bytes]] = {}
# Set once the process is on its way out, so that the clock does not start a second exit.
_exiting = threading.Event()


class Terminated(BaseException):
    """Raised in the main thread by SIGTERM or SIGHUP: the process was asked to stop."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signum)


def this_process(pid: int | None = None) -> ProcessIdentity:
    """The identity of this process (or of `pid`, on this host), to record with a run."""
    pid = os.getpid() if pid is None else pid
    started = watchdog.started_at(pid)
    when = datetime.fromtimestamp(started, UTC) if started is not None else None
    return ProcessIdentity(socket.gethostname(), pid, when)


def is_gone(process: ProcessIdentity | None) -> bool:
    """True when `process` has surely ended: it ran on this host, and its pid now runs
    nothing, or a process that started at another time. A process on another host may be
    running still; one recorded without an identity (older runs) is taken as ended."""
    if process is None:
        return True
    if process.host != socket.gethostname():
        return False
    if not os.path.isdir("/proc"):  # no start times to compare: the pid's existence only
        try:
            os.kill(process.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    now = this_process(process.pid).started_at
    if now is None:
        return True
    # Start times are exact to a clock tick; DuckDB keeps microseconds.
    return process.started_at is not None and abs(now - process.started_at) > timedelta(seconds=0.5)


def start_watchdog() -> None:
    """Mark this process's environment (so every process it starts carries the mark) and
    start the watchdog that stops them all once this process has ended; once per process."""
    if _watchdog or not os.path.isdir("/proc"):
        return
    token = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if k != watchdog.TOKEN_ENV}
    _watchdog["process"] = subprocess.Popen(
        [sys.executable, "-m", "entente.flows.watchdog", str(os.getpid()), token],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # out of the terminal's and `timeout`'s signals
    )
    os.environ[watchdog.TOKEN_ENV] = token


def stop_children(grace: float = STOP_GRACE) -> None:
    """Stop every process below this one (SIGTERM, then SIGKILL), but the watchdog and those
    that ignore SIGTERM: they end once this process has (the watchdog sees to it)."""
    spared = {process.pid for process in _watchdog.values()}
    below = watchdog.descendants(os.getpid())
    watchdog.stop([p for p in below if p not in spared and not watchdog.ignores_sigterm(p)], grace)


def exit_now(code: int) -> None:
    """Stop what runs below, flush what was printed, and end the process without waiting
    for its threads (one may be stuck in a fetch for minutes)."""
    _exiting.set()
    stop_children()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _watch(reader: socket.socket, grace: float) -> None:
    """Wait for a signal's byte (signal.set_wakeup_fd); `grace` seconds after the first, or
    at a second, end the process whatever its main thread is doing."""
    first: int | None = None
    while True:
        reader.settimeout(None if first is None else grace)
        try:
            data = reader.recv(64)
        except TimeoutError:
            assert first is not None
            if not _exiting.is_set():
                print(f"entente: still stopping after {grace:g} s; forcing exit", file=sys.stderr)
                exit_now(128 + first)
            return
        except OSError:  # closed under us: the guarded block has ended
            return
        if not data:
            return
        for signum in data:
            if signum not in _WATCHED:
                continue
            if first is not None and not _exiting.is_set():
                exit_now(128 + first)
            first = signum
            name = signal.Signals(signum).name
            print(f"entente: {name}: stopping (again to stop at once)", file=sys.stderr)


@contextlib.contextmanager
def stopping_cleanly(grace: float = GRACE) -> Iterator[None]:
    """Run the block with the signal handling above (from the main thread only). Stopped by
    a signal, the block's process ends here, with 128 + the signal's number."""
    start_watchdog()
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    previous = {s: signal.signal(s, _raise_terminated) for s in (signal.SIGTERM, signal.SIGHUP)}
    watcher = threading.Thread(
        target=_watch, args=(reader, grace), name="entente-stop", daemon=True
    )
    watcher.start()
    try:
        yield
    except (Exception, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # KeyboardInterrupt, Terminated, Prefect's TerminationSignal
        signum = getattr(exc, "signum", getattr(exc, "signal", signal.SIGINT))
        print(f"entente: stopped by {signal.Signals(signum).name}", file=sys.stderr)
        exit_now(128 + signum)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(previous_fd)
        writer.close()
        reader.shutdown(socket.SHUT_RDWR)
        watcher.join(timeout=1.0)
        reader.close()
