"""Hot reload: a promotion, a rollback or a new version in the registry, served without a restart.

A daemon thread of each worker looks at the registry every :data:`POLL_SECONDS`: the stat of
every model's aliases file, the names of its version folders and the stat of
``udfs/functions.yml``. That is a few ``stat`` calls and one directory listing per model, so
polling costs nothing a request would notice, and it needs no signal or shared state between
workers (each worker polls on its own). When the fingerprint changes, the whole set of
functions is loaded again, by the same :func:`~sqlscore.serving.models.load_model_set` as at
start, and swapped into the :class:`~sqlscore.serving.models.ModelHolder` in one assignment:
requests already running finish on the set they read, later ones get the new one.

A load that fails as a whole (a registry folder that cannot be read) keeps the old set and is
tried again at the next poll; one function that fails is served as failed (503 naming why) while
the others switch, as at start.

The serving file needs no poller: :class:`~sqlscore.serving.lookup.BatchLookup` compares the
file's identity on every request, which costs one ``stat``.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Hashable
from pathlib import Path

from sqlscore.registry.store import ALIASES_FILE
from sqlscore.serving.models import ModelHolder, ModelSet

#: how often each worker looks at the registry; the issue allows 2 s from a promotion to its use
POLL_SECONDS = 0.5

Stat = tuple[int, int, int, int] | None


def _stat(path: Path) -> Stat:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def registry_fingerprint(registry: Path, declarations: Path) -> Hashable:
    """What changes when a version is added, an alias moves or the declarations are edited.

    Files are replaced by a rename (aliases) or a folder appears by a rename (versions), so the
    inode and the folder names catch every change; mtime and size catch an edit in place.
    """
    models = []
    try:
        entries = sorted(os.scandir(registry), key=lambda e: e.name)
    except FileNotFoundError:
        entries = []
    for entry in entries:
        if not entry.is_dir() or entry.name.startswith("."):
            continue
        folder = Path(entry.path)
        versions = tuple(
            sorted(v.name for v in os.scandir(folder) if v.is_dir() and not v.name.startswith("."))
        )
        models.append((entry.name, _stat(folder / ALIASES_FILE), versions))
    return (tuple(models), _stat(declarations))


class Reloader:
    """Polls a fingerprint and swaps a freshly loaded model set into the holder when it changes."""

    def __init__(
        self,
        holder: ModelHolder,
        load: Callable[[], ModelSet],
        fingerprint: Callable[[], Hashable],
        interval: float = POLL_SECONDS,
    ) -> None:
        self.holder = holder
        self.load = load
        self.fingerprint = fingerprint
        self.interval = interval
        self.reloads = 0
        self._seen = fingerprint()  # the set being served was loaded from (at least) this state
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> bool:
        """Reload if the registry changed since the last load; True when a new set was swapped in.

        The fingerprint is taken before loading: a change made during the load is seen at the
        next poll and loaded again, never missed.
        """
        seen = self.fingerprint()
        if seen == self._seen:
            return False
        models = self.load()
        self.holder.swap(models)
        self._seen = seen
        self.reloads += 1
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception as exc:  # keep serving the set we have; say why, try again next poll
                print(
                    f"sqlscore serve: registry reload failed, still serving the previous models: {exc}",
                    file=sys.stderr,
                    flush=True,
                )

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sqlscore-reload", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
