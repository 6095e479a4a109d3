"""The Data Docs every run links to open without internet access: a real headless Chromium, with
every host name unresolvable, loads the index, whose table of validations is drawn by a script
that now comes from the local copy, and finds every validation of the run listed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from sqlscore.gate.offline_docs import ASSETS_DIR, VENDOR
from tests.gate.conftest import TABLES


def _rendered(page: Path) -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Chromium is needed (Debian's chromium package; .ci/run installs it)"
    result = subprocess.run(
        [
            chromium,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # no network: every host fails to resolve
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_data_docs_list_every_validation_with_no_network(published_source: Path) -> None:
    """Read from the shared site's first run (``published_source``, a real ``sqlscore run``, which
    this test only reads): its Data Docs are what any run writes."""
    assert ASSETS_DIR.is_dir(), f"{ASSETS_DIR} is missing: `make setup` fetches it"
    docs = published_source / "gx_docs"
    pages = list(docs.rglob("*.html"))
    assert len(pages) >= 1 + 2 * len(TABLES)  # index, then a validation and a suite page per table
    for page in pages:  # no page asks the network for a script, a stylesheet or an image
        remote = re.findall(r'(?:src|href)="(https?://[^"]+\.(?:js|css|png)[^"]*)"', page.read_text())
        assert remote == [], (page, remote)
    assert (docs / VENDOR / "bootstrap-table" / "dist" / "bootstrap-table.min.js").is_file()
    assert list((docs / VENDOR / "fontawesome-free" / "webfonts").glob("*.woff2"))

    dom = _rendered(docs / "index.html")
    rows = re.findall(r'<tr class="clickable-row" data-href="(validations/[^"]+)"', dom)
    assert {row.split("/")[1] for row in rows} == set(TABLES), rows  # drawn by the local script
    validation = docs / rows[0]
    page = _rendered(validation)
    assert "fa-check-circle" in page or "fa-times" in page  # status icons (font-awesome classes)
