"""Great Expectations Data Docs that open without internet access.

GX's pages load their scripts, stylesheets and fonts from public CDNs; opened in a warehouse with
no internet, the index is blank (its table of validations is drawn by a CDN script) and the pages
are unstyled. ``make setup`` takes the same files from the npm registry (:func:`fetch_assets`,
pinned versions below, each package's licence kept beside it); after every gate run
:func:`localize_data_docs` copies them into the Data Docs folder and points every page at the
local copy. Nothing is fetched at run time.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

#: npm package (pinned) -> the files the pages need from it (paths inside the package).
PACKAGES: dict[str, tuple[str, ...]] = {
    "bootstrap@4.3.1": ("dist/css/bootstrap.min.css", "dist/js/bootstrap.min.js"),
    "jquery@3.7.1": ("dist/jquery.min.js",),
    "popper.js@1.12.9": ("dist/umd/popper.min.js",),
    "bootstrap-table@1.19.1": (
        "dist/bootstrap-table.min.css",
        "dist/bootstrap-table.min.js",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
        "dist/extensions/filter-control/bootstrap-table-filter-control.css",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    ),
    "bootstrap-datepicker@1.9.0": (
        "dist/css/bootstrap-datepicker.min.css",
        "dist/js/bootstrap-datepicker.min.js",
    ),
    "@fortawesome/fontawesome-free@6.6.0": ("css/all.min.css", "webfonts/"),
    "@forevolve/bootstrap-dark@1.1.0": ("dist/css/bootstrap-prefers-dark.css",),
    "vega@5.33.0": ("build/vega.min.js",),
    "vega-lite@5.23.0": ("build/vega-lite.min.js",),
    "vega-embed@6.29.0": ("build/vega-embed.min.js",),
}

_CDNJS = "https://cdnjs.cloudflare.com/ajax/libs"
_JSDELIVR = "https://cdn.jsdelivr.net/npm"
_FILTER_CONTROL = "dist/extensions/filter-control/bootstrap-table-filter-control"

#: CDN address (as GX 1.24 writes it) -> local file under ``static/vendor/`` of the Data Docs.
CDN_FILES: dict[str, str] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap/dist/css/bootstrap.min.css"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap/dist/js/bootstrap.min.js"
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    f"{_CDNJS}/popper.js/1.12.9/umd/popper.min.js": "popper.js/dist/umd/popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table/dist/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table/dist/bootstrap-table.min.js"
    ),
    # GX names 1.19.0 for the filter-control stylesheets; 1.19.1 ships the same files
    f"https://unpkg.com/bootstrap-table@1.19.0/{_FILTER_CONTROL}.min.css": (
        f"bootstrap-table/{_FILTER_CONTROL}.min.css"
    ),
    f"https://unpkg.com/bootstrap-table@1.19.0/{_FILTER_CONTROL}.css": (
        f"bootstrap-table/{_FILTER_CONTROL}.css"
    ),
    f"https://unpkg.com/bootstrap-table@1.19.1/{_FILTER_CONTROL}.min.js": (
        f"bootstrap-table/{_FILTER_CONTROL}.min.js"
    ),
    f"{_CDNJS}/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css"
    ),
    f"{_CDNJS}/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js"
    ),
    f"{_CDNJS}/font-awesome/6.6.0/css/all.min.css": "fontawesome-free/css/all.min.css",
    f"{_JSDELIVR}/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "bootstrap-dark/dist/css/bootstrap-prefers-dark.css"
    ),
    f"{_JSDELIVR}/vega@5": "vega/build/vega.min.js",
    f"{_JSDELIVR}/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    f"{_JSDELIVR}/vega-embed@6": "vega-embed/build/vega-embed.min.js",
}

#: GX's logos live on S3; offline they are left out rather than shown broken.
_REMOTE_IMAGE = re.compile(r'<img[^>]*src="https://great-expectations-web-assets[^"]*"[^>]*>')
_REMOTE_BACKGROUND = re.compile(r"url\('https://great-expectations-web-assets[^']*'\)")
VENDOR = Path("static") / "vendor"
#: Where ``make setup`` keeps the fetched assets (ignored by git, like the virtualenv).
ASSETS_DIR = Path(__file__).resolve().parents[2] / "build" / "docs_assets"


def _folder(package: str) -> str:
    """``@scope/name@1.2.3`` -> ``name`` (the folder under ``static/vendor``)."""
    return package.rsplit("@", 1)[0].split("/")[-1]


def fetch_assets(target: Path) -> None:
    """``npm pack`` every package (the registry, at set-up time) and keep the files the pages use."""
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            ["npm", "pack", "--silent", "--pack-destination", scratch, *PACKAGES],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        tarballs = {p.name: p for p in Path(scratch).glob("*.tgz")}
        for package, files in PACKAGES.items():
            name, version = package.rsplit("@", 1)
            tarball = tarballs[f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"]
            destination = target / _folder(package)
            with tarfile.open(tarball) as archive:
                wanted = [
                    member
                    for member in archive.getmembers()
                    if member.isfile()
                    and (
                        member.name.removeprefix("package/") in files
                        or any(
                            f.endswith("/") and member.name.removeprefix("package/").startswith(f)
                            for f in files
                        )
                        or Path(member.name).name.upper().startswith("LICENSE")
                    )
                ]
                for member in wanted:
                    relative = Path(member.name.removeprefix("package/"))
                    (destination / relative).parent.mkdir(parents=True, exist_ok=True)
                    source = archive.extractfile(member)
                    assert source is not None
                    (destination / relative).write_bytes(source.read())


def localize_data_docs(docs_dir: Path, assets: Path) -> int:
    """Copy the assets into ``docs_dir`` and point every page at them; returns the pages changed."""
    if not assets.is_dir():
        return 0
    vendor = docs_dir / VENDOR
    if vendor.exists():
        shutil.rmtree(vendor)
    shutil.copytree(assets, vendor)
    changed = 0
    for page in docs_dir.rglob("*.html"):
        text = page.read_text()
        prefix = os.path.relpath(vendor, page.parent)
        localized = text
        for url, local in CDN_FILES.items():
            localized = localized.replace(f'"{url}"', f'"{prefix}/{local}"')
        localized = _REMOTE_BACKGROUND.sub("none", _REMOTE_IMAGE.sub("", localized))
        if localized != text:
            page.write_text(localized)
            changed += 1
    return changed


if __name__ == "__main__":  # make setup: python -m sqlscore.gate.offline_docs [FOLDER]
    import sys

    fetch_assets(Path(sys.argv[1]) if len(sys.argv) > 1 else ASSETS_DIR)
