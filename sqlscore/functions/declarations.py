"""Which SQL functions exist: ``udfs/functions.yml`` plus one default per model.

A declaration binds a function name to a registry reference (``name``,
``name@alias`` or ``name:version``), an engine and an output. Every model in the
registry also gets ``predict_<name>`` bound to its champion (or newest version)
with the default engine, whatever other functions are declared for it (declaring
``predict_upsell_sql`` must not take ``predict_upsell`` away), unless a
declaration takes that very name. A freshly exported model is callable without
editing anything.

A model with a ``challenger`` alias also gets ``predict_<name>_challenger`` bound to
``<name>@challenger`` (same default engine): the function the shadow scoring models
(``scoring.<name>_shadow_scores``) call, resolved by the same registry rule as the champion's,
so ``ml_functions`` records the challenger's version and sha256 beside the champion's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from sqlscore.errors import ConfigError, InvalidNameError
from sqlscore.names import check_identifier, check_model_ref
from sqlscore.registry import CHALLENGER, Registry
from sqlscore.registry.card import MULTICLASS
from sqlscore.settings import UDFS, project_folder

DECLARATIONS_FILE = "functions.yml"
ENGINES = ("auto", "onnx", "sql")
#: The engine of a function nothing else names one for: the faster exact engine, measured per
#: model version (:mod:`sqlscore.functions.engine_choice`).
DEFAULT_ENGINE = "auto"
OUTPUTS = ("score", "label", "probabilities")


@dataclass(frozen=True)
class FunctionDeclaration:
    """One SQL function: its name, the model reference it calls, the engine and output.

    ``output`` is ``score`` (positive-class probability or regression value),
    ``label`` (multiclass label) or ``probabilities`` (multiclass, a DOUBLE[] in
    the order of the card's ``classes``).
    """

    name: str
    model: str
    engine: str = DEFAULT_ENGINE
    output: str = "score"
    #: True when the entry names its engine itself; an engine passed to connect() or the
    #: dbt plugin then leaves it alone (it replaces only the file's default engine).
    engine_pinned: bool = False

    @property
    def model_name(self) -> str:
        return self.model.split("@", 1)[0].split(":", 1)[0]


def udfs_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    return project_folder("udfs", UDFS, explicit)


def default_declarations(
    model: str, task: str, engine: str = DEFAULT_ENGINE, alias: str | None = None
) -> list[FunctionDeclaration]:
    """``predict_<model>`` (and ``predict_<model>_proba`` for multiclass models).

    With ``alias`` (``challenger``): ``predict_<model>_<alias>`` (and ``..._<alias>_proba``) bound
    to ``<model>@<alias>``.
    """
    stem, ref = (f"predict_{model}_{alias}", f"{model}@{alias}") if alias else (f"predict_{model}", model)
    if task == MULTICLASS:
        return [
            FunctionDeclaration(stem, ref, engine, "label"),
            FunctionDeclaration(f"{stem}_proba", ref, engine, "probabilities"),
        ]
    return [FunctionDeclaration(stem, ref, engine, "score")]


def challenger_function(model: str) -> str:
    """The function that scores ``model``'s challenger (what the shadow scoring models call)."""
    return f"predict_{model}_{CHALLENGER}"


def load_declarations(
    registry: Registry, udfs: str | os.PathLike[str] | None = None, engine: str | None = None
) -> list[FunctionDeclaration]:
    """Declared functions plus defaults for undeclared models.

    ``engine`` replaces the default engine: that of undeclared models and of
    entries that do not name an engine themselves.
    """
    if engine is not None and engine not in ENGINES:
        raise ConfigError(f"engine {engine!r} is not one of {ENGINES}")
    path = udfs_path(udfs) / DECLARATIONS_FILE
    declared = _read_file(path) if path.is_file() else []
    if engine is not None:
        declared = [
            d if d.engine_pinned else FunctionDeclaration(d.name, d.model, engine, d.output) for d in declared
        ]
    taken = {d.name for d in declared}
    scanned = registry.scan()
    for model in registry.models():
        if model in scanned.skipped:
            # Declared anyway so that its registration fails and says why (stderr, ml_functions.error):
            # a run that scores this model then stops naming it, and every other model still works.
            defaults = [FunctionDeclaration(f"predict_{model}", model, engine or DEFAULT_ENGINE, "score")]
        else:
            defaults = default_declarations(model, registry.resolve(model).task, engine or DEFAULT_ENGINE)
            if CHALLENGER in scanned.aliases.get(model, {}):
                # its task is read from the challenger's own card when registered: a broken one
                # fails there, named, and the champion's functions are untouched
                defaults += default_declarations(
                    model, registry.resolve(model).task, engine or DEFAULT_ENGINE, alias=CHALLENGER
                )
        # the defaults exist whatever else is declared for the model; only a declaration of the
        # same name (say, predict_churn pinned to a version) replaces one
        declared.extend(d for d in defaults if d.name not in taken)
    names = [d.name for d in declared]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{path}: functions declared twice: {', '.join(duplicates)}")
    return declared


def _read_file(path: Path) -> list[FunctionDeclaration]:
    try:
        data: Any = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    defaults = data.get("defaults", {}) or {}
    result = []
    for index, entry in enumerate(data.get("functions", []) or []):
        if not isinstance(entry, dict) or "name" not in entry or "model" not in entry:
            raise ConfigError(f"{path}: functions[{index}] needs at least 'name' and 'model'")
        try:
            name = check_identifier(str(entry["name"]), "function name")
            model = check_model_ref(str(entry["model"]))
        except InvalidNameError as exc:
            raise ConfigError(f"{path}: functions[{index}]: {exc}") from exc
        declaration = FunctionDeclaration(
            name=name,
            model=model,
            engine=str(entry.get("engine", defaults.get("engine", DEFAULT_ENGINE))),
            output=str(entry.get("output", "score")),
            engine_pinned="engine" in entry,
        )
        if declaration.engine not in ENGINES:
            raise ConfigError(
                f"{path}: function {declaration.name}: engine {declaration.engine!r} is not one of {ENGINES}"
            )
        if declaration.output not in OUTPUTS:
            raise ConfigError(
                f"{path}: function {declaration.name}: output {declaration.output!r} is not one of {OUTPUTS}"
            )
        result.append(declaration)
    return result
