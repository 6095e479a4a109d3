"""A throwaway PostgreSQL server for the dialect tests, started from the installed binaries.

``.ci/run`` installs the ``postgresql`` package; the server itself lives in a
temporary folder for the test session and is stopped afterwards. PostgreSQL
refuses to run as root, so as root the server runs as the ``postgres`` user
the package creates.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

PORT = 55432


def _binaries() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not candidates:
        raise RuntimeError(
            "PostgreSQL is not installed: the dialect tests run the generated SQL on a real server "
            "(apt-get install postgresql; .ci/run does this)"
        )
    return Path(candidates[-1]).parent


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def postgres_server(folder: Path) -> Iterator[str]:
    """Yield a libpq connection string to a fresh server whose data lives in ``folder``."""
    binaries = _binaries()
    data, sockets = folder / "data", folder / "sockets"
    data.mkdir(parents=True)
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(data, "postgres")
        shutil.chown(sockets, "postgres")
    subprocess.run(
        _as_server_user(
            [str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-p {PORT} -k {sockets} -c listen_addresses=''"
    subprocess.run(
        _as_server_user(
            [
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / "log"),
                "-w",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"host={sockets} port={PORT} user=postgres dbname=postgres"
    finally:
        subprocess.run(
            _as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
        )
        time.sleep(0.1)
