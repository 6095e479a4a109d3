"""The on-disk registry: ``<root>/<name>/<version>/{model.onnx, model_card.json}``.

Versions are immutable (written once into a temporary folder, then renamed
into place; an existing version is never overwritten) and aliases move in
``<root>/<name>/aliases.json``, each alias keeping the history of its former
holders so that a rollback is one step back. Every read of an artifact checks
its sha256 against the card: a model file that changed is never used.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlscore.errors import (
    IntegrityError,
    InvalidNameError,
    ModelNotFoundError,
    RegistryError,
    VersionExistsError,
)
from sqlscore.names import check_alias, check_model_name, check_version, is_model_name, is_version
from sqlscore.registry.card import (
    ARTIFACT_FILE,
    CARD_FILE,
    CHECKSUM_FIELD,
    PROFILE_FILE,
    ModelCard,
    card_checksum,
    parse_card,
    parse_profile,
    profile_bytes,
)
from sqlscore.settings import registry_path

ALIASES_FILE = "aliases.json"
LOCK_FILE = ".lock"
CHAMPION = "champion"
#: The alias a run shadow-scores beside the champion (``scoring.<model>_shadow_scores``), never published.
CHALLENGER = "challenger"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def missing_profile_message(card: ModelCard) -> str:
    """What to say wherever a version's input profile is needed and it has none.

    Versions exported before profiles existed (or written by hand) have none: their inputs are
    not checked against training and their drift cannot be measured until one is backfilled.
    """
    return (
        f"model {card.ref} has no input profile ({PROFILE_FILE}): its scored inputs are not checked "
        "against training and its drift is not monitored; backfill one from a table holding its "
        f"features: sqlscore models profile {card.ref} --from SCHEMA.TABLE"
    )


@dataclass(frozen=True)
class Problem:
    """One finding of :meth:`Registry.verify`: the file at fault and why."""

    path: str
    reason: str


class Registry:
    """A folder of versioned ONNX models with their cards and aliases."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = registry_path(root)

    # ----------------------------------------------------------------- reading
    def models(self) -> list[str]:
        """Names of every model that has at least one version, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if p.is_dir() and is_model_name(p.name) and self._version_dirs(p.name)
        )

    def versions(self, name: str) -> list[str]:
        """Versions of ``name`` from oldest to newest."""
        return [p.name for p in self._version_dirs(check_model_name(name))]

    def _version_dirs(self, name: str) -> list[Path]:
        folder = self.root / name
        if not folder.is_dir():
            return []
        found = [p for p in folder.iterdir() if p.is_dir() and is_version(p.name)]
        return sorted(found, key=lambda p: int(p.name))

    def card(self, name: str, version: str | int) -> ModelCard:
        """The checked card of one version; raises if it is missing, edited or malformed."""
        check_model_name(name)
        version = check_version(version)
        path = self.root / name / version / CARD_FILE
        if not path.is_file():
            known = ", ".join(self.versions(name)) or "none"
            raise ModelNotFoundError(
                f"model {name} has no version {version} in {self.root} "
                f"(no {CARD_FILE} in {path.parent}; versions: {known})"
            )
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise IntegrityError(f"model card {path} of {name}:{version} is unreadable: {exc}") from exc
        return parse_card(data, name, version, str(path))

    def aliases(self, name: str) -> dict[str, str]:
        """Alias -> version for one model."""
        return {alias: entry["version"] for alias, entry in self._read_aliases(name).items()}

    def _read_aliases(self, name: str) -> dict[str, dict[str, Any]]:
        """The aliases file, every alias and version in it checked before anything uses them."""
        path = self.root / check_model_name(name) / ALIASES_FILE
        if not path.is_file():
            return {}
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise RegistryError(f"aliases file {path} of model {name} is not valid JSON: {exc}") from exc
        try:
            if not isinstance(data, dict):
                raise TypeError("not a JSON object")
            for alias, entry in data.items():
                check_alias(alias)
                if not isinstance(entry, dict) or not isinstance(entry.get("history", []), list):
                    raise TypeError(f"alias {alias!r} is not an object with a history list")
                check_version(entry["version"])
                entry.setdefault("history", [])
                for previous in entry["history"]:
                    check_version(previous)
        except (InvalidNameError, KeyError, TypeError) as exc:
            raise RegistryError(f"aliases file {path} of model {name} is malformed: {exc}") from exc
        return data

    def resolve(self, ref: str) -> ModelCard:
        """Card for ``name``, ``name@alias`` or ``name:version``.

        A bare name means the champion, or the newest version when the model
        has no champion: the same rule ``predict_<name>`` follows.
        """
        if "@" in ref:
            name, alias = ref.split("@", 1)
            check_alias(alias)
            version = self.aliases(name).get(alias)
            if version is None:
                raise ModelNotFoundError(
                    f"model {name} has no alias {alias!r} "
                    f"(aliases: {', '.join(sorted(self.aliases(name))) or 'none'})"
                )
            return self.card(name, version)
        if ":" in ref:
            name, version = ref.split(":", 1)
            return self.card(name, version)
        name = check_model_name(ref)
        champion = self.aliases(name).get(CHAMPION)
        if champion is not None:
            return self.card(name, champion)
        versions = self.versions(name)
        if not versions:
            raise ModelNotFoundError(f"no model named {name} in registry {self.root}")
        return self.card(name, versions[-1])

    def input_profile(self, card: ModelCard) -> dict[str, Any] | None:
        """The checked input profile of a version, or None when it was exported without one."""
        path = self.root / card.name / card.version / PROFILE_FILE
        if not path.is_file():
            if card.input_profile_sha256:
                raise IntegrityError(f"input profile of model {card.ref} is missing: {path}")
            return None
        data = path.read_bytes()
        if card.input_profile_sha256 and sha256_bytes(data) != card.input_profile_sha256:
            raise IntegrityError(
                f"input profile {path} of model {card.ref} was changed after export (sha256 differs "
                "from the card's); restore it from version control"
            )
        try:
            parsed = json.loads(data)
        except ValueError as exc:
            raise IntegrityError(f"input profile {path} of model {card.ref} is not JSON: {exc}") from exc
        return parse_profile(parsed, card, str(path))

    def artifact_path(self, card: ModelCard) -> Path:
        return self.root / card.name / card.version / ARTIFACT_FILE

    def load_artifact(self, card: ModelCard) -> bytes:
        """The ONNX bytes of a version, refused unless their sha256 matches the card."""
        path = self.artifact_path(card)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise IntegrityError(
                f"artifact of model {card.ref} is missing: {path}; "
                "restore it from version control or export a new version"
            ) from exc
        digest = sha256_bytes(data)
        if digest != card.sha256:
            raise IntegrityError(
                f"artifact of model {card.ref} at {path} has sha256 {digest}, "
                f"but its card says {card.sha256}: the file was changed after export; refusing to load it"
            )
        return data

    # ----------------------------------------------------------------- writing
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise writers across processes (exports, promotions, rollbacks)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK_FILE, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def next_version(self, name: str) -> str:
        versions = self.versions(name)
        return str(int(versions[-1]) + 1) if versions else "1"

    def write_version(
        self, card: ModelCard, artifact: bytes, profile: dict[str, Any] | None = None
    ) -> ModelCard:
        """Write a new version atomically and return its sealed card; an existing version is never touched.

        The card is sealed (its checksum recorded, and the input profile's when there is one)
        and put through the same checks as a card read back from disk, so nothing is written
        that a reader would refuse.
        """
        check_model_name(card.name)
        check_version(card.version)
        if sha256_bytes(artifact) != card.sha256:
            raise IntegrityError(f"card of {card.ref} does not match the artifact being written")
        written_profile = None
        card = replace(card, input_profile_sha256="")  # recorded below only for a profile written here
        if profile is not None:
            parse_profile(profile, card, f"the new profile of {card.ref}")
            written_profile = profile_bytes(profile)
            card = replace(card, input_profile_sha256=sha256_bytes(written_profile))
        card = card.sealed()
        parse_card(json.loads(card.to_json()), card.name, card.version, f"the new card of {card.ref}")
        with self._locked():
            target = self.root / card.name / card.version
            if target.exists():
                raise VersionExistsError(
                    f"model {card.ref} already exists at {target}: versions are immutable; "
                    "export without a version to get the next one"
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{card.version}.", dir=target.parent))
            try:
                (staging / ARTIFACT_FILE).write_bytes(artifact)
                (staging / CARD_FILE).write_text(card.to_json())
                if written_profile is not None:
                    (staging / PROFILE_FILE).write_bytes(written_profile)
                for child in staging.iterdir():
                    with open(child, "rb") as fh:
                        os.fsync(fh.fileno())
                os.rename(staging, target)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
        return card

    def backfill_input_profile(self, card: ModelCard, profile: dict[str, Any]) -> Path:
        """Write the input profile of a version exported without one; return its path.

        The one file a version may gain after export, and only once: a version that has a
        profile (recorded in its card, or backfilled before) is refused, so nothing a run was
        checked against is ever replaced. The card stays as sealed (its ``input_profile_sha256``
        stays empty: a backfilled profile is not covered by the card's checksum, and says where
        it came from in its ``source``). Written to a temporary file, then linked into place,
        which fails if the file appeared meanwhile.
        """
        path = self.root / card.name / card.version / PROFILE_FILE
        card = self.card(card.name, card.version)  # re-read and checked: never trust a caller's copy
        if card.input_profile_sha256 or path.exists():
            raise VersionExistsError(
                f"model {card.ref} already has an input profile ({path}): versions are immutable, "
                "a profile is never replaced"
            )
        parse_profile(profile, card, f"the backfilled profile of {card.ref}")
        data = profile_bytes(profile)
        with self._locked():
            handle, temporary = tempfile.mkstemp(prefix=f".{PROFILE_FILE}.", dir=path.parent)
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                try:
                    os.link(temporary, path)  # never overwrites: fails if the profile exists
                except FileExistsError as exc:
                    raise VersionExistsError(
                        f"model {card.ref} already has an input profile ({path}): not replaced"
                    ) from exc
            finally:
                os.unlink(temporary)
        return path

    def promote(self, name: str, version: str | int, alias: str) -> str | None:
        """Point ``alias`` at ``version``; return the version it held before (or None)."""
        check_alias(alias)
        card = self.card(name, version)
        self.load_artifact(card)  # never promote a version whose artifact is bad
        with self._locked():
            data = self._read_aliases(name)
            entry = data.get(alias, {"version": None, "history": []})
            previous = entry["version"]
            if previous == card.version:
                return previous
            if previous is not None:
                entry["history"] = [*entry["history"], previous]
            entry["version"] = card.version
            data[alias] = entry
            self._write_aliases(name, data)
            return previous

    def rollback(self, name: str, alias: str) -> tuple[str, str]:
        """Move ``alias`` back to its previous holder; return (from, to)."""
        check_alias(alias)
        with self._locked():
            data = self._read_aliases(name)
            entry = data.get(alias)
            if entry is None:
                raise ModelNotFoundError(f"model {name} has no alias {alias!r} to roll back")
            if not entry["history"]:
                raise RegistryError(
                    f"alias {name}@{alias} (version {entry['version']}) has no previous holder "
                    "to roll back to"
                )
            current = entry["version"]
            entry["version"] = entry["history"][-1]
            entry["history"] = entry["history"][:-1]
            self._write_aliases(name, data)
            return current, entry["version"]

    def _write_aliases(self, name: str, data: dict[str, dict[str, Any]]) -> None:
        path = self.root / name / ALIASES_FILE
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, path)

    def seal_legacy_card(self, name: str, version: str | int) -> ModelCard:
        """Record ``card_sha256`` in a card exported before cards carried one; return the card.

        Only a card with no checksum at all is sealed (an edited card keeps failing its
        checksum), and only after the same checks as any card read (name and version against
        the folder, every name, the artifact's sha256 and graph): sealing vouches for the card
        as it is now, so look at it first (``sqlscore models show``'s fields are all in it).
        """
        check_model_name(name)
        version = check_version(version)
        path = self.root / name / version / CARD_FILE
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise IntegrityError(f"model card {path} of {name}:{version} is unreadable: {exc}") from exc
        if not isinstance(data, dict) or data.get(CHECKSUM_FIELD):
            raise IntegrityError(f"model card {path} of {name}:{version} already has a checksum; not sealed")
        data[CHECKSUM_FIELD] = card_checksum(data)
        card = parse_card(data, name, version, str(path))
        from sqlscore.registry.graph_check import compare_card_with_graph

        problems = compare_card_with_graph(card, self.load_artifact(card))
        if problems:
            raise IntegrityError("; ".join(problems))
        with self._locked():
            tmp = path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(data, indent=2) + "\n")
            os.replace(tmp, path)
        return card

    # -------------------------------------------------------------- verifying
    def scan(self) -> RegistryScan:
        """Every readable card and alias, and a :class:`Problem` for everything else.

        A model whose aliases file is broken, or whose default version (champion,
        else newest) has no usable card, is *skipped* as a whole: scoring it with
        some other version would be wrong without saying so. Every other model
        keeps working.
        """
        result = RegistryScan()
        if not self.root.is_dir():
            return result
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if not is_model_name(folder.name):
                result.problems.append(
                    Problem(str(folder), f"folder {folder.name!r} is not a valid model name; ignored")
                )
                continue
            self._scan_model(folder.name, result)
        return result

    def _scan_model(self, name: str, result: RegistryScan) -> None:
        folder = self.root / name
        for child in sorted(folder.iterdir()):
            if child.is_dir() and not child.name.startswith(".") and not is_version(child.name):
                result.problems.append(
                    Problem(str(child), f"folder {child.name!r} of model {name} is not a version; ignored")
                )
        cards: list[ModelCard] = []
        for version in self.versions(name):
            try:
                cards.append(self.card(name, version))
            except RegistryError as exc:
                result.problems.append(Problem(str(folder / version / CARD_FILE), str(exc)))
        if not self.versions(name):
            return
        try:
            aliases = self.aliases(name)
        except RegistryError as exc:
            result.problems.append(Problem(str(folder / ALIASES_FILE), str(exc)))
            result.skipped[name] = str(exc)
            return
        readable = {c.version for c in cards}
        for alias, version in sorted(aliases.items()):
            if version not in readable:
                result.problems.append(
                    Problem(
                        str(folder / ALIASES_FILE),
                        f"alias {name}@{alias} points at version {version}, which is missing or broken",
                    )
                )
        default = aliases.get(CHAMPION) or self.versions(name)[-1]
        if default not in readable:
            result.skipped[name] = (
                f"model {name}: its {'champion' if CHAMPION in aliases else 'newest'} version {default} "
                "is missing or broken (see `sqlscore models verify`)"
            )
            return
        result.cards[name] = cards
        result.aliases[name] = aliases

    def verify(self) -> list[Problem]:
        """Every problem :meth:`scan` finds, plus a re-hash of every artifact against its card's graph."""
        from sqlscore.registry.graph_check import compare_card_with_graph

        scanned = self.scan()
        problems = list(scanned.problems)
        for name in self.models():
            for version in self.versions(name):
                try:
                    card = self.card(name, version)
                except RegistryError:
                    continue  # already reported by the scan
                try:
                    data = self.load_artifact(card)
                except IntegrityError as exc:
                    problems.append(Problem(str(self.artifact_path(card)), str(exc)))
                    continue
                for reason in compare_card_with_graph(card, data):
                    problems.append(Problem(str(self.artifact_path(card)), reason))
                try:
                    self.input_profile(card)
                except IntegrityError as exc:
                    problems.append(Problem(str(self.root / name / version / PROFILE_FILE), str(exc)))
        return problems


@dataclass
class RegistryScan:
    """What :meth:`Registry.scan` found: usable models, their cards and aliases, and the problems."""

    cards: dict[str, list[ModelCard]] = field(default_factory=dict)  # usable model -> readable versions
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)  # usable model -> alias -> version
    skipped: dict[str, str] = field(default_factory=dict)  # unusable model -> why
    problems: list[Problem] = field(default_factory=list)
