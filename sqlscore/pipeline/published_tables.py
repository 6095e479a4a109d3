"""Which tables ``sqlscore run`` gates and publishes: declared in the dbt project, not in the package.

A dbt model is published when its config says so::

    models:
      - name: prospect_upsell_scores
        config:
          access: public
          contract: {enforced: true}
          meta:
            sqlscore: {publish: true, key: prospect_id}

It builds into the ``candidate`` schema (the marts folder does that), its suite is
``expectations/<model>.json``, and ``sqlscore run`` gates ``candidate.<model>`` with it, then
publishes it as ``published.<model>`` and into the serving file. The declarations are checked
before anything is built, and every mismatch is an error naming the table: a published model
without a suite, a suite that names no published model, a key that is not a column, a model
built elsewhere than ``candidate`` or without an enforced contract (a published table is an API:
its columns and types do not change by accident).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlscore.errors import ConfigError, InvalidNameError
from sqlscore.names import check_identifier
from sqlscore.warehouse.publication import CANDIDATE_SCHEMA

META_KEY = "sqlscore"


@dataclass(frozen=True)
class PublishedTable:
    """A dbt model ``sqlscore run`` publishes."""

    name: str
    key: str
    suite: Path


def declared_published_tables(manifest: Any, expectations: Path) -> list[PublishedTable]:
    """The published tables the parsed dbt project declares, checked against the suites folder."""
    tables: list[PublishedTable] = []
    problems: list[str] = []
    for node in manifest.nodes.values():
        if node.resource_type != "model":
            continue
        declared = (node.config.meta or {}).get(META_KEY) or {}
        if not declared.get("publish"):
            continue
        problems += _problems(node, declared, expectations)
        tables.append(
            PublishedTable(
                name=node.name, key=str(declared.get("key")), suite=expectations / f"{node.name}.json"
            )
        )
    names = {table.name for table in tables}
    if expectations.is_dir():
        for suite in sorted(expectations.glob("*.json")):
            if suite.stem not in names:
                problems.append(
                    f"suite {suite} names no published table: no dbt model {suite.stem!r} declares "
                    f"meta.{META_KEY}.publish (declare it, or remove the suite)"
                )
    if problems:
        raise ConfigError("; ".join(problems))
    return sorted(tables, key=lambda table: table.name)


def _problems(node: Any, declared: dict[str, Any], expectations: Path) -> list[str]:
    name = node.name
    found = []
    try:
        check_identifier(name, "published model name")
        check_identifier(str(declared.get("key") or "_"), f"key of published model {name}")
    except InvalidNameError as exc:
        found.append(str(exc))
    if node.schema != CANDIDATE_SCHEMA:
        found.append(
            f"published model {name} builds into schema {node.schema!r}, not {CANDIDATE_SCHEMA!r}: "
            "put it under models/marts/ (or set schema: candidate)"
        )
    if not node.contract.enforced:
        found.append(
            f"published model {name} has no enforced contract (config: contract: {{enforced: true}})"
        )
    key = declared.get("key")
    if not key:
        found.append(f"published model {name} declares no key (meta.{META_KEY}.key)")
    elif key not in node.columns:
        found.append(f"published model {name}: its key {key!r} is not one of its documented columns")
    suite = expectations / f"{name}.json"
    if not suite.is_file():
        found.append(
            f"published model {name} has no suite: {suite} is missing "
            f"(write one with `sqlscore expectations init {name}`)"
        )
    return found
