"""``sqlscore models ...``: list, show, promote, roll back, verify, compare and profile registry models."""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlscore.cli.output import emit_json, emit_table, warn
from sqlscore.errors import InvalidNameError, VersionExistsError, WarehouseError
from sqlscore.names import check_model_name
from sqlscore.registry import ModelCard, Registry
from sqlscore.registry.store import missing_profile_message
from sqlscore.settings import ExitCode


def add_parsers(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    models = subparsers.add_parser(
        "models",
        help="inspect and manage the model registry",
        description="Inspect and manage the versioned model registry (SQLSCORE_REGISTRY).",
    )
    actions = models.add_subparsers(dest="action", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="every model version with its aliases")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=cmd_list)

    show = actions.add_parser("show", help="the model card of NAME, NAME@ALIAS or NAME:VERSION")
    show.add_argument("ref", metavar="NAME[@ALIAS|:VERSION]", help="the model version to show")
    show.add_argument("--json", action="store_true", help="the whole card as JSON")
    show.set_defaults(handler=cmd_show)

    promote = actions.add_parser("promote", help="point an alias at a version")
    promote.add_argument("name", help="registered model name")
    promote.add_argument("version", help="the version the alias will point at")
    promote.add_argument("--alias", required=True, help="for example champion or challenger")
    promote.set_defaults(handler=cmd_promote)

    rollback = actions.add_parser("rollback", help="move an alias back to its previous holder")
    rollback.add_argument("name", help="registered model name")
    rollback.add_argument("--alias", required=True, help="the alias to move back, e.g. champion")
    rollback.set_defaults(handler=cmd_rollback)
    _add_integrity_parsers(actions)
    _add_monitoring_parsers(actions)


def _add_monitoring_parsers(actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    """The commands that look at a model in the warehouse: compare, profile."""
    compare = actions.add_parser(
        "compare",
        help="champion against challenger (shadow scores) on one as-of date",
        description="Computed in SQL in the warehouse from the champion's scores and the challenger's "
        "shadow scores (scoring.<model>_shadow_scores), both built by `sqlscore run`: rows scored by each, "
        "mean score, score correlation, share of rows whose decile moves (against the champion's "
        "reference deciles) and the realised AUC of each once labels exist.",
    )
    compare.add_argument("name", help="registered model name, e.g. churn")
    compare.add_argument("--as-of", metavar="YYYY-MM-DD", help="default: the newest shadow-scored date")
    compare.add_argument("--json", action="store_true", help="machine-readable output")
    compare.set_defaults(handler=cmd_compare)

    profile = actions.add_parser(
        "profile",
        help="backfill the input profile of a version exported without one",
        description="Computes the input profile (null rate, deciles and bin shares, category shares) of "
        "NAME:VERSION's features from SCHEMA.TABLE in the warehouse (in SQL) and writes it beside the "
        "artifact. Refused when the version already has one: profiles are never replaced.",
    )
    profile.add_argument("ref", metavar="NAME:VERSION", help="the version to profile, e.g. churn:1")
    profile.add_argument(
        "--from", dest="source", required=True, metavar="SCHEMA.TABLE", help="a table with the features"
    )
    profile.set_defaults(handler=cmd_profile)


def _add_integrity_parsers(actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    """The commands that bring a version in or check one: seal, import, verify."""
    seal = actions.add_parser(
        "seal",
        help="record the checksum of a card exported before cards carried one",
        description="For registries written by sqlscore before card checksums: checks the card like any "
        "card read (names, folder, artifact sha256, graph), then records card_sha256 in it. A card that "
        "already has a checksum is never re-sealed.",
    )
    seal.add_argument("ref", metavar="NAME:VERSION", help="the version whose card to seal, e.g. churn:1")
    seal.set_defaults(handler=cmd_seal)

    imported = actions.add_parser(
        "import",
        help="register an ONNX model converted elsewhere, checked against its own predictions",
        description="For models trained and converted in another process: FILE is the .onnx (ZipMap "
        "off, one double or string input of shape [N, 1] per column); --sample a Parquet file with "
        "those columns and what the model predicted where it was trained: expected_value "
        "(regressor) or expected_label and expected_probabilities (classifier, a list per row). "
        "Checked with export_model's tolerances; nothing is written unless they hold.",
    )
    imported.add_argument("file", metavar="FILE", help="the .onnx artifact")
    imported.add_argument("--name", required=True, help="registry model name")
    imported.add_argument("--sample", required=True, help="Parquet file: features and expected predictions")
    imported.add_argument("--alias", help="point this alias at the new version (e.g. champion)")
    imported.add_argument("--description", default="", help="what the model is for")
    imported.set_defaults(handler=cmd_import)

    verify = actions.add_parser(
        "verify",
        help="re-hash every artifact and check each card against its graph",
        description="Exit 0 when every artifact is intact, 1 naming every bad file otherwise.",
    )
    verify.add_argument("--json", action="store_true", help="machine-readable output")
    verify.set_defaults(handler=cmd_verify)


def cmd_list(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    records = []
    scanned = registry.scan()
    for problem in scanned.problems:
        warn(f"{problem.path}: {problem.reason}")
    for name, cards in scanned.cards.items():
        aliases = scanned.aliases[name]
        for card in cards:
            version = card.version
            records.append(
                {
                    "name": name,
                    "version": version,
                    "aliases": sorted(a for a, v in aliases.items() if v == version),
                    "task": card.task,
                    "created_at": card.created_at,
                    "estimator": card.estimator,
                    "sha256": card.sha256,
                    "features": len(card.features),
                }
            )
    if args.json:
        emit_json(records)
    elif not records:
        print(f"no models in {registry.root}")
    else:
        emit_table(
            ["name", "version", "aliases", "task", "created_at", "sha256"],
            [
                [
                    r["name"],
                    r["version"],
                    ",".join(r["aliases"]),  # type: ignore[arg-type]
                    r["task"],
                    r["created_at"],
                    str(r["sha256"])[:12],
                ]
                for r in records
            ],
        )
    return ExitCode.OK


def cmd_show(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    # imported here: it pulls in DuckDB and onnxruntime, which `sqlscore --help` must not load
    from sqlscore.warehouse.ml_functions import bound_functions

    card = registry.resolve(args.ref)
    aliases = sorted(a for a, v in registry.aliases(card.name).items() if v == card.version)
    if args.json:
        emit_json(
            {
                **card.to_dict(),
                "aliases": aliases,
                "input_profile": _profile_state(registry, card),
                "functions": bound_functions(warehouse, card),
            }
        )
        return ExitCode.OK
    print(f"{card.ref}  ({', '.join(aliases) or 'no alias'})")
    print(f"  task        {card.task}")
    print(f"  estimator   {card.estimator}")
    print(f"  created_at  {card.created_at}")
    print(f"  sha256      {card.sha256}")
    print(
        f"  parity      max abs diff {card.parity.get('max_abs_diff')}, "
        f"label agreement {card.parity.get('label_agreement')} on {card.parity.get('rows')} rows"
    )
    for metric, value in sorted(card.training_metrics.items()):
        print(f"  {metric:<11} {value:.4f}")
    print(f"  SQL call    predict_{card.name}({', '.join(card.feature_names)})")
    profile = registry.input_profile(card)
    if profile is None:
        warn(missing_profile_message(card))
        print("  profile     none")
    else:
        print(f"  profile     {profile.get('source', 'export')}, {profile.get('rows')} rows")
    for bound in bound_functions(warehouse, card):
        asked = bound["engine_requested"] or bound["engine"]
        why = f": {bound['engine_reason']}" if bound["engine_reason"] else ""
        print(
            f"  function    {bound['function']} ({bound['output']}) "
            f"engine {bound['engine']} (asked {asked}){why}"
        )
    emit_table(
        ["#", "feature", "sql_type"], [[i + 1, f.name, f.sql_type] for i, f in enumerate(card.features)]
    )
    return ExitCode.OK


def _profile_state(registry: Registry, card: ModelCard) -> dict[str, object]:
    """Whether a version has its input profile, and if not what backfills it (for --json readers)."""
    profile = registry.input_profile(card)
    if profile is None:
        warn(missing_profile_message(card))
        return {"present": False, "backfill": f"sqlscore models profile {card.ref} --from SCHEMA.TABLE"}
    return {"present": True, "source": profile.get("source"), "rows": profile.get("rows")}


def cmd_compare(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    from sqlscore.monitoring.compare import compare, parsed_project, score_tables
    from sqlscore.warehouse.database import open_warehouse

    check_model_name(args.name)
    registry.resolve(args.name)  # a model the registry does not know is named before dbt parses
    tables = score_tables(parsed_project(warehouse, registry), args.name)
    con = open_warehouse(warehouse, read_only=True)
    try:
        result = compare(con, tables, registry, args.as_of)
    finally:
        con.close()
    if args.json:
        emit_json(result)
        return ExitCode.OK
    champion, challenger = result["champion"], result["challenger"]
    print(f"{result['model']} at as-of date {result['as_of_date']}: champion vs challenger (shadow)")
    emit_table(
        ["", "champion", "challenger"],
        [
            ["table", champion["table"], challenger["table"]],
            ["versions", _versions(champion["versions"]), _versions(challenger["versions"])],
            ["rows scored", champion["rows"], challenger["rows"]],
            ["mean score", _number(champion["mean_score"]), _number(challenger["mean_score"])],
            ["realised AUC", _number(champion["auc"]), _number(challenger["auc"])],
        ],
    )
    print(f"rows scored by both       {result['rows_both']}")
    print(f"score correlation         {_number(result['score_correlation'])}")
    edges = result["decile_edges"]
    print(
        f"decile moved (share)      {_number(result['decile_moved_share'])}  (champion's reference deciles: "
        f"{edges['from']})"
    )
    print(f"labelled rows             {result['labelled_rows']} ({result['positives']} positive)")
    if result["auc_note"]:
        print(f"AUC                       {result['auc_note']}")
    return ExitCode.OK


def _versions(versions: list[int] | None) -> str:
    return ",".join(str(v) for v in versions or []) or "-"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def cmd_profile(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    from sqlscore.export.backfill_profile import parse_table, table_profile
    from sqlscore.warehouse.database import open_warehouse

    name, separator, version = args.ref.partition(":")
    if not separator:
        raise InvalidNameError(f"{args.ref!r}: name the version to profile as NAME:VERSION")
    card = registry.card(name, version)
    if registry.input_profile(card) is not None:
        raise VersionExistsError(
            f"model {card.ref} already has an input profile: versions are immutable, "
            "a profile is never replaced"
        )
    schema, table = parse_table(args.source)
    con = open_warehouse(warehouse, read_only=True)
    try:
        profile = table_profile(con, card, schema, table)
    finally:
        con.close()
    path = registry.backfill_input_profile(card, profile)
    print(
        f"{card.ref}: input profile of {len(card.features)} features from {profile['rows']} rows of "
        f"{schema}.{table} written to {path}"
    )
    return ExitCode.OK


def cmd_promote(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    previous = registry.promote(args.name, args.version, args.alias)
    print(f"{args.name}@{args.alias}: {previous or 'none'} -> {args.version}")
    _refresh(registry, warehouse)
    return ExitCode.OK


def cmd_rollback(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    before, after = registry.rollback(args.name, args.alias)
    print(f"{args.name}@{args.alias}: {before} -> {after}")
    _refresh(registry, warehouse)
    return ExitCode.OK


def cmd_seal(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    name, separator, version = args.ref.partition(":")
    if not separator:
        raise InvalidNameError(f"{args.ref!r}: name the version to seal as NAME:VERSION")
    card = registry.seal_legacy_card(name, version)
    print(f"{card.ref}: card sealed (card_sha256 {card.card_sha256[:12]}...)")
    _refresh(registry, warehouse)
    return ExitCode.OK


def cmd_import(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    from sqlscore.errors import ExportError
    from sqlscore.export.importer import import_model, read_sample

    path = Path(args.file)
    try:
        artifact = path.read_bytes()
    except OSError as exc:
        raise ExportError(f"cannot read {path}: {exc.strerror}") from exc
    card = import_model(
        artifact,
        read_sample(Path(args.sample)),
        args.name,
        registry=registry,
        alias=args.alias,
        description=args.description,
    )
    _refresh(registry, warehouse)
    parity = card.parity
    print(
        f"registered {card.ref} ({card.task}, {len(card.features)} features); parity on {parity['rows']} "
        f"sample rows: max abs difference {parity['max_abs_diff']:.2g}"
        + (f", aliases: {args.alias}" if args.alias else "")
    )
    return ExitCode.OK


def cmd_verify(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    problems = registry.verify()
    checked = sum(len(registry.versions(n)) for n in registry.models())
    if args.json:
        emit_json({"checked": checked, "problems": [p.__dict__ for p in problems]})
    else:
        for problem in problems:
            print(f"BAD {problem.path}: {problem.reason}")
        print(f"{checked} version(s) checked, {len(problems)} problem(s)")
    return ExitCode.BLOCKED if problems else ExitCode.OK


def _refresh(registry: Registry, warehouse: Path) -> None:
    """Keep ``ml_models`` in step with the registry when the warehouse can be written now."""
    if not warehouse.exists():
        return
    try:
        from sqlscore.warehouse.ml_models import refresh_catalog_file

        refresh_catalog_file(warehouse, registry)
    except WarehouseError as exc:
        warn(
            f"registry changed, but ml_models in {warehouse} was not refreshed ({exc}); "
            "it is refreshed by the next sqlscore command that opens the warehouse"
        )
