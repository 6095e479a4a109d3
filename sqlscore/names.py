"""Validation of every name that reaches a file path or a SQL statement.

Model names become folder names and SQL function names (``predict_<name>``),
so they are restricted to lower snake case; anything else could traverse
paths or break out of a SQL identifier. Every rule matches the whole string
(``re.fullmatch``): a ``$`` anchor would let a trailing newline through, and a
newline is how text escapes a SQL comment.
"""

from __future__ import annotations

import re

from sqlscore.errors import InvalidNameError

_MODEL_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
_VERSION = re.compile(r"[1-9][0-9]{0,8}")
_ALIAS = re.compile(r"[a-z][a-z0-9_]{0,30}")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def check_model_name(name: str) -> str:
    """Return ``name`` if it is lower snake case, else raise naming it."""
    if not isinstance(name, str) or not _MODEL_NAME.fullmatch(name):
        raise InvalidNameError(
            f"invalid model name {name!r}: use lower snake case "
            "(a letter, then letters, digits or underscores; at most 63 characters)"
        )
    return name


def is_model_name(text: str) -> bool:
    """True for a folder name that can be a model (the registry skips every other folder)."""
    return bool(_MODEL_NAME.fullmatch(text))


def is_version(text: str) -> bool:
    """True for a folder name that can be a version (``str.isdigit`` also accepts '²' and '٣')."""
    return bool(_VERSION.fullmatch(text))


def check_version(version: str | int) -> str:
    """Versions are positive integers (as text), so 'newest' is always well defined."""
    text = str(version)
    if not _VERSION.fullmatch(text):
        raise InvalidNameError(f"invalid model version {version!r}: use a positive integer such as 3")
    return text


def check_alias(alias: str) -> str:
    """Aliases such as ``champion`` follow the same rule as model names."""
    if not isinstance(alias, str) or not _ALIAS.fullmatch(alias):
        raise InvalidNameError(f"invalid alias {alias!r}: use lower snake case such as 'champion'")
    return alias


def check_model_ref(ref: str) -> str:
    """``name``, ``name@alias`` or ``name:version``, each part by its own rule."""
    if not isinstance(ref, str):
        raise InvalidNameError(f"invalid model reference {ref!r}: use NAME, NAME@ALIAS or NAME:VERSION")
    if "@" in ref:
        name, alias = ref.split("@", 1)
        check_model_name(name)
        check_alias(alias)
    elif ":" in ref:
        name, version = ref.split(":", 1)
        check_model_name(name)
        check_version(version)
    else:
        check_model_name(ref)
    return ref


def check_identifier(identifier: str, what: str = "identifier") -> str:
    """Column and function names that are spliced into SQL must be plain identifiers."""
    if not isinstance(identifier, str) or not _IDENTIFIER.fullmatch(identifier):
        raise InvalidNameError(
            f"invalid {what} {identifier!r}: use letters, digits and underscores, "
            "starting with a letter or underscore"
        )
    return identifier


def check_sha256(digest: str, what: str = "sha256") -> str:
    """A sha256 is 64 lower-case hex digits; it is written into SQL text and provenance columns."""
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise InvalidNameError(f"invalid {what} {digest!r}: expected 64 lower-case hex digits")
    return digest
