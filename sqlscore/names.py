"""Validation of every name that reaches a file path or a SQL statement.

Model names become folder names and SQL function names (``predict_<name>``),
so they are restricted to lower snake case; anything else could traverse
paths or break out of a SQL identifier.
"""

from __future__ import annotations

import re

from sqlscore.errors import InvalidNameError

_MODEL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_VERSION = re.compile(r"^[1-9][0-9]{0,8}$")
_ALIAS = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def check_model_name(name: str) -> str:
    """Return ``name`` if it is lower snake case, else raise naming it."""
    if not isinstance(name, str) or not _MODEL_NAME.match(name):
        raise InvalidNameError(
            f"invalid model name {name!r}: use lower snake case "
            "(a letter, then letters, digits or underscores; at most 63 characters)"
        )
    return name


def check_version(version: str | int) -> str:
    """Versions are positive integers (as text), so 'newest' is always well defined."""
    text = str(version)
    if not _VERSION.match(text):
        raise InvalidNameError(f"invalid model version {version!r}: use a positive integer such as 3")
    return text


def check_alias(alias: str) -> str:
    """Aliases such as ``champion`` follow the same rule as model names."""
    if not isinstance(alias, str) or not _ALIAS.match(alias):
        raise InvalidNameError(f"invalid alias {alias!r}: use lower snake case such as 'champion'")
    return alias


def check_identifier(identifier: str, what: str = "identifier") -> str:
    """Column and function names that are spliced into SQL must be plain identifiers."""
    if not isinstance(identifier, str) or not _IDENTIFIER.match(identifier):
        raise InvalidNameError(
            f"invalid {what} {identifier!r}: use letters, digits and underscores, "
            "starting with a letter or underscore"
        )
    return identifier


def quote_identifier(identifier: str) -> str:
    """Double-quote an identifier for DuckDB/PostgreSQL, escaping embedded quotes."""
    return '"' + identifier.replace('"', '""') + '"'
