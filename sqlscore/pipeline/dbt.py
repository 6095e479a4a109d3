"""dbt inside ``sqlscore run``: parse the project once, then build it, in this process.

Everything a build needs arrives as a parameter: the warehouse and the registry reach
``profiles.yml`` as ``--vars`` (``sqlscore_warehouse``, ``sqlscore_registry``; the environment
variables stay the fallback for dbt run by hand), the as-of date and run id as the vars the
models check. The parse comes first so that the run can read the project's declarations (which
tables are published, see :mod:`sqlscore.pipeline.published_tables`) before anything is built; the build
then reuses the parsed manifest instead of parsing again.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from sqlscore.errors import ConfigError, SqlscoreError
from sqlscore.registry import Registry
from sqlscore.settings import DBT_PROJECT, PROFILES_DIR, project_folder

#: The dbt generic test that checks scored inputs against the model's training profile.
INPUT_CHECK_TEST = "inputs_match_training_profile"
#: The dbt generic test that checks each source's declared freshness inside the build.
FRESHNESS_TEST = "loaded_as_fresh_as_declared"
#: The dbt generic test on the monitoring tables that is the drift gate (PSI, AUC drop).
DRIFT_GATE_TEST = "drift_within_thresholds"
#: Tests whose failing rows carry a level (warn/error) and whose dbt count is a fail_calc score.
LEVELLED_TESTS = (INPUT_CHECK_TEST, FRESHNESS_TEST, DRIFT_GATE_TEST)
#: The schema scoring models build into (dbt_project.yml); rows scored are counted there.
SCORING_SCHEMA = "scoring"


def dbt_project_dir() -> Path:
    return project_folder("dbt_project", DBT_PROJECT)


def profiles_dir() -> Path:
    return Path(PROFILES_DIR.read() or dbt_project_dir().resolve().parent)


#: the var ``sqlscore run`` hands its memory limit to the build in (``SQLSCORE_MEMORY_LIMIT``)
MEMORY_LIMIT_VAR = "sqlscore_memory_limit"


def check_profile_passes_memory_limit(limit: str, project_dir: Path, profiles: Path) -> None:
    """Refuse a memory limit the profile would drop: ``sqlscore run`` passes it to dbt as the var
    :data:`MEMORY_LIMIT_VAR`, which reaches DuckDB only through the ``duckdb`` output's
    ``settings: {memory_limit: ...}`` (the project's ``profiles.yml`` has it). A profile of one's
    own without that line builds at DuckDB's default, all but silently; a limit asked for and not
    applied is an error instead, naming the file and the line it needs. A profile this cannot read
    (no file, no such output) is left to dbt, which names what is wrong with it."""
    import yaml  # type: ignore[import-untyped]

    path = profiles / "profiles.yml"
    try:
        profile_name = yaml.safe_load((project_dir / "dbt_project.yml").read_text())["profile"]
        output = yaml.safe_load(path.read_text())[profile_name]["outputs"]["duckdb"]
        settings = output.get("settings") or {}
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError):
        return
    if MEMORY_LIMIT_VAR not in str(settings.get("memory_limit", "")):
        raise ConfigError(
            f"memory limit {limit!r} asked for (SQLSCORE_MEMORY_LIMIT), but {path} does not pass it to "
            "dbt's DuckDB connections: "
            f"its {profile_name}.outputs.duckdb needs settings: {{memory_limit: "
            f"\"{{{{ var('{MEMORY_LIMIT_VAR}', '80%') }}}}\"}} (or unset SQLSCORE_MEMORY_LIMIT)"
        )


@dataclass(frozen=True)
class DbtInvocation:
    """The arguments every dbt command of one run shares."""

    warehouse: Path
    registry: Registry
    as_of: str
    run_id: str
    backfill: bool = False
    #: the dbt project (default: ./dbt_project, $SQLSCORE_DBT_PROJECT, or the checkout's)
    project_dir: Path | None = None
    #: DuckDB's memory_limit for the build's connections (var sqlscore_memory_limit, which
    #: profiles.yml's settings read); None leaves the profile's own (DuckDB's default, 80%)
    memory_limit: str | None = None

    @property
    def target_path(self) -> Path:
        """dbt's target folder for this warehouse (compiled SQL, the manifest, generated SQL)."""
        return self.warehouse.parent / "dbt_target"

    def site_paths(self, relative: bool) -> dict[str, str]:
        """The warehouse, registry and generated-SQL paths dbt's profile reads, as vars.

        ``relative`` gives them relative to the warehouse's folder (the registry stays absolute
        when it lies elsewhere). The parse gets these: it never opens any of them (only the
        build connects and loads the plugin), and dbt reuses its last parse only when the vars
        and the profile's connection values are unchanged, so a site copied, restored or
        checked out elsewhere keeps the parse its ``dbt_target`` holds. The build gets the
        absolute paths it connects with.
        """
        site = self.warehouse.parent
        registry = self.registry.root.resolve()
        if relative:
            inside = registry.is_relative_to(site.resolve())
            return {
                "sqlscore_warehouse": self.warehouse.name,
                "sqlscore_registry": str(registry.relative_to(site.resolve()) if inside else registry),
                "sqlscore_generated": str((self.target_path / "sqlscore").relative_to(site)),
            }
        return {
            "sqlscore_warehouse": str(self.warehouse),
            "sqlscore_registry": str(self.registry.root),
            "sqlscore_generated": str(self.target_path / "sqlscore"),
        }

    def common_args(self, run_vars: bool = True) -> list[str]:
        """Arguments of every dbt command; ``run_vars`` False is the parse's.

        The parse leaves the per-run vars out (a run id is new every run) and gets the site's
        paths relative to the warehouse folder (see :meth:`site_paths`): dbt parses partially,
        reusing its last parse, only when the vars and the profile are unchanged. The build gets
        them all; it renders the models' SQL with them.
        """
        project_vars: dict[str, Any] = self.site_paths(relative=not run_vars)
        if run_vars:
            # JSON is YAML; the values are checked again by the as_of_date() and run_id() macros
            project_vars.update({"as_of_date": self.as_of, "run_id": self.run_id, "backfill": self.backfill})
            if self.memory_limit:
                project_vars[MEMORY_LIMIT_VAR] = self.memory_limit
        return [
            "--project-dir",
            str(self.project_dir or dbt_project_dir()),
            "--profiles-dir",
            str(profiles_dir()),
            # the production target: builds the schemas analysts and the publish read (scoring,
            # candidate, ...); the profile's default target (dev) builds dev_* schemas instead
            "--target",
            "duckdb",
            "--vars",
            json.dumps(project_vars),
            "--target-path",
            str(self.target_path),
            "--log-path",
            str(self.warehouse.parent / "dbt_logs"),
            "--no-send-anonymous-usage-stats",
            # colour codes only for a person at a terminal, never in a scheduler's log file
            "--use-colors" if sys.stdout.isatty() else "--no-use-colors",
        ]


def selection_args(select: list[str] | None) -> list[str]:
    """dbt's arguments for a run limited to ``select`` (none for the whole project).

    The tests go with the selection in dbt's ``buildable`` mode: a test runs when every model it
    reads is selected or built before one that is. dbt's default (``eager``) also takes a test
    one of whose parents alone is selected, so ``--select stg_telecom__customers`` ran the
    relationships tests of the support tickets and usage events staging models too, which a
    warehouse holding only raw data does not have yet (the run failed on their missing views).
    A selection of published tables with their parents (``+table``) selects the same tests in
    both modes.
    """
    return ["--select", *select, "--indirect-selection", "buildable"] if select else []


def parse_project(invocation: DbtInvocation) -> Any:
    """dbt parse with the run's vars; returns dbt's Manifest (the build reuses it)."""
    from dbt.cli.main import dbtRunner

    # --no-write-json: the build writes manifest.json when it ends; a second copy from the parse
    # cost every run about 0.4 s (dbt still writes its parse cache, partial_parse.msgpack)
    result = dbtRunner().invoke(
        ["--quiet", "parse", "--no-write-json", *invocation.common_args(run_vars=False)]
    )
    if not result.success or result.result is None:
        raise SqlscoreError(
            f"dbt could not parse {invocation.project_dir or dbt_project_dir()}: {result.exception}"
        )
    return result.result


@dataclass
class DbtBuild:
    """What ``dbt build`` did: whether every node passed, which tests failed, which models it built."""

    ok: bool
    failed_tests: list[str] = field(default_factory=list)
    built: set[str] = field(default_factory=set)
    #: every model dbt selected, built or not (failed, skipped)
    selected: set[str] = field(default_factory=set)
    #: relations of the scoring models this build ran
    scoring_relations: list[str] = field(default_factory=list)
    warned_tests: list[str] = field(default_factory=list)
    #: tables where dbt stored the rows of this build's failed or warned levelled tests
    #: (input profile, source freshness)
    findings_tables: list[str] = field(default_factory=list)


def run_dbt_build(
    invocation: DbtInvocation,
    manifest: Any,
    timings: dict[str, float],
    select: list[str] | None = None,
    record_history: bool = True,
) -> DbtBuild:
    """dbt build in this process. Failed tests block (``ok`` False), failed models are errors.

    ``select`` limits the build (dbt selector syntax). Unit tests are left out: they belong to
    CI, not to the scheduled build. ``record_history`` False also leaves the snapshots out: a
    backfill or a run for a date earlier than an earlier run's reads the attribute history, it
    must not stamp versions with its date. Adds ``dbt_build`` and ``scoring`` (the scoring
    models' own execution time) to ``timings``.
    """
    from dbt.cli.main import dbtRunner

    excluded = ["unit_test"] if record_history else ["unit_test", "snapshot"]
    selection = selection_args(select)
    start = time.perf_counter()
    try:
        result = dbtRunner(manifest=manifest).invoke(
            ["build", *invocation.common_args(), *selection, "--exclude-resource-type", *excluded]
        )
    finally:
        _release_dbt_connection()
    timings["dbt_build"] = time.perf_counter() - start
    results = getattr(result.result, "results", []) or []
    if result.exception is not None and not results:
        raise SqlscoreError(f"dbt build could not run: {result.exception}")
    build = DbtBuild(ok=bool(result.success))
    timings["scoring"] = 0.0
    errors = []
    for node_result in results:
        status, node = str(node_result.status), node_result.node
        levelled = _generic_test_name(node) in LEVELLED_TESTS
        is_model = getattr(node, "resource_type", None) == "model"
        if is_model:
            build.selected.add(node.name)
            if node.schema == SCORING_SCHEMA:
                build.scoring_relations.append(f"{node.schema}.{node.alias}")
                timings["scoring"] += float(node_result.execution_time or 0)
        if status == "error":
            errors.append(f"{node.name}: {(node_result.message or '').strip()[:500]}")
        elif status == "fail" and levelled:
            build.failed_tests.append(node.name)  # its count is a fail_calc score; the findings say more
        elif status == "fail":
            build.failed_tests.append(f"{node.name} ({node_result.failures} failing rows)")
        elif status == "warn" and not levelled:  # a levelled test's warnings are its findings
            build.warned_tests.append(f"{node.name} ({node_result.failures} rows)")
        elif status == "success" and is_model:
            build.built.add(node.name)
        if status in ("fail", "warn") and levelled:
            build.findings_tables.append(str(node.relation_name))
    if errors:
        raise SqlscoreError("dbt build failed: " + "; ".join(errors))
    return build


def _generic_test_name(node: Any) -> str | None:
    """The generic test a dbt test node instantiates (None for models and singular tests)."""
    metadata = getattr(node, "test_metadata", None)
    return getattr(metadata, "name", None)


def levelled_findings(con: duckdb.DuckDBPyConnection, tables: list[str]) -> list[dict[str, Any]]:
    """The rows the levelled tests stored: what broke, how badly, at what level (warn or error).

    Input-profile rows name the model, column and rule; freshness rows name the source table;
    drift-gate rows name the model, version, as-of date, segment, feature, metric, value and
    threshold (their ``table`` is ``drift``, their ``share`` the figure). ``tables`` come from
    dbt's nodes (``relation_name``, quoted by dbt).
    """
    findings = []
    for table in tables:
        cursor = con.execute(f"select * from {table} order by level")
        columns = [d[0] for d in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(columns, values, strict=True))
            if "metric" in row:  # drift_within_thresholds
                findings.append(drift_finding(row))
            elif "rule" in row:  # inputs_match_training_profile
                description = (
                    f"model {row['model_name']}, column {row['column_name']}: {row['rows_breaking']} of "
                    f"{row['rows_checked']} rows ({row['share']:.1%}) break {row['rule']} "
                    f"(expected {row['expected']})"
                )
                findings.append(
                    {
                        "table": "inputs",
                        "rule": row["rule"],
                        "level": row["level"],
                        "share": row["share"],
                        "description": description,
                    }
                )
            else:  # loaded_as_fresh_as_declared
                findings.append(
                    {
                        "table": row["source_table"],
                        "rule": "source freshness",
                        "level": row["level"],
                        "share": None,
                        "description": row["description"],
                    }
                )
    return findings


#: What a drift-gate finding names besides its description (recorded with a block in ops.sqlscore_runs).
DRIFT_FIELDS = (
    "model",
    "version",
    "as_of",
    "segment_by",
    "segment",
    "feature",
    "metric",
    "value",
    "threshold",
)


def drift_finding(row: dict[str, Any]) -> dict[str, Any]:
    """A drift-gate row as a finding whose description a person can act on without the tables.

    A block names the two ways out (a better version promoted, or the model's threshold
    overridden in var sqlscore_drift_thresholds), since an AUC drop blocks every run until then.
    """
    segment = "" if row["segment_by"] == "all" else f", segment {row['segment_by']} = {row['segment']}"
    which = "score" if row["feature"] == "score" else f"feature {row['feature']}"
    description = (
        f"drift: model {row['model_name']} version {row['model_version']}, as of {row['as_of_date']}"
        f"{segment}, {which}: {row['metric']} {row['value']:.4f} above the {row['threshold_crossed']} "
        f"threshold {row['threshold']:g}"
    )
    if row["level"] == "error":
        description += (
            " (blocked: promote a better version, or override the model's threshold in "
            "var sqlscore_drift_thresholds)"
        )
    elif row["threshold_crossed"] == "block":
        description += " (warns only: " + ("a segment" if row["segment_by"] != "all" else "an estimate") + ")"
    return {
        "table": "drift",
        "rule": row["metric"],
        "level": row["level"],
        "share": row["value"],
        "description": description,
        "model": row["model_name"],
        "version": row["model_version"],
        "as_of": str(row["as_of_date"]),
        "segment_by": row["segment_by"],
        "segment": row["segment"],
        "feature": row["feature"],
        "metric": row["metric"],
        "value": row["value"],
        "threshold": row["threshold"],
    }


def _release_dbt_connection() -> None:
    """Let go of the DuckDB database dbt-duckdb keeps for the process after a build.

    dbt-duckdb caches its environment (and with it the database instance) on the connection
    manager class; while it lives, the gate and the publish could not open the same file with
    another configuration. ``close_all_connections`` is the adapter's own public way out (it
    also runs at exit).
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    DuckDBConnectionManager.close_all_connections()
