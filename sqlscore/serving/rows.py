"""JSON rows checked against a model card and turned into the columns the SQL functions score.

The NULL conventions are the SQL functions' because the columns are built as DuckDB hands them
to the scorer: one Arrow column per feature in card order, a JSON ``null`` becoming an Arrow
NULL, which the scorer turns into NaN for a number (the pipeline's imputer handles it) and into
the empty string for a string (an unknown category, unless the model learnt ``""``).

What the SQL function would refuse at bind time is refused here, naming the function, the model
version, the row and the feature: a missing feature, one the model does not take, a string
where the model takes a number or the reverse (a number is not silently turned into a category).
"""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa

from sqlscore.registry import ModelCard
from sqlscore.serving.errors import InvalidRows, TooLarge

#: the JSON type a client must send for each SQL type of a card
JSON_TYPES = {"DOUBLE": "number", "VARCHAR": "string"}


def check_row_count(function: str, rows: Any, max_rows: int) -> list[Any]:
    """The rows of a request body, refused when absent, empty or more than ``max_rows``."""
    if not isinstance(rows, list):
        raise InvalidRows(f'function {function}: the body must be {{"rows": [{{feature: value, ...}}, ...]}}')
    if not rows:
        raise InvalidRows(f'function {function}: "rows" is empty; send at least one row')
    if len(rows) > max_rows:
        raise TooLarge(
            f"function {function}: {len(rows)} rows in one request, at most {max_rows} "
            "(SQLSCORE_SERVE_MAX_ROWS); split the request"
        )
    return rows


def feature_columns(function: str, card: ModelCard, rows: list[Any]) -> list[pa.Array]:
    """One Arrow column per feature of ``card``, in card order (the SQL function's arguments)."""
    names = card.feature_names
    expected = set(names)
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise InvalidRows(f"function {function} ({card.ref}): row {index} is not an object of features")
        if row.keys() != expected:
            _refuse_keys(function, card, index, row)
    columns = []
    for feature in card.features:
        name = feature.name
        values = [row[name] for row in rows]
        fast = _fast_column(values, feature.sql_type)
        if fast is not None:
            columns.append(fast)
        elif feature.sql_type == "DOUBLE":
            checked = [_number(function, card, index, name, value) for index, value in enumerate(values)]
            columns.append(pa.array(checked, type=pa.float64()))
        else:
            for index, value in enumerate(values):
                if value is not None and not isinstance(value, str):
                    raise InvalidRows(
                        f"function {function} ({card.ref}): row {index}: feature {name} takes a string "
                        f"(or null), not {_json_type(value)} {value!r}"
                    )
            columns.append(pa.array(values, type=pa.string()))
    return columns


_NUMBER_TYPES = (float, int, type(None))
_INFINITIES = (math.inf, -math.inf)


def _fast_column(values: list[Any], sql_type: str) -> pa.Array | None:
    """The column in one Arrow call when every value is plainly right (the usual request); None
    sends the column through the value-by-value checks, which name the row at fault."""
    if sql_type != "DOUBLE":
        if all(type(v) is str or v is None for v in values):
            return pa.array(values, type=pa.string())
        return None
    for value in values:
        kind = type(value)  # type(), not isinstance: a boolean is refused, not read as 0 or 1
        if (kind is float and value in _INFINITIES) or (kind is not float and kind not in _NUMBER_TYPES):
            return None
    try:
        return pa.array(values, type=pa.float64())
    except (pa.ArrowInvalid, OverflowError):  # a whole number beyond a double's exact range
        return None


def _number(function: str, card: ModelCard, index: int, name: str, value: Any) -> float | None:
    """A feature value as the DOUBLE the SQL function would receive."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRows(
            f"function {function} ({card.ref}): row {index}: feature {name} takes a number (or null), "
            f"not {_json_type(value)} {value!r}"
        )
    try:
        number = float(value)
    except OverflowError:
        raise InvalidRows(
            f"function {function} ({card.ref}): row {index}: feature {name}: {value} is beyond a double"
        ) from None
    if math.isinf(number):
        raise InvalidRows(
            f"function {function} ({card.ref}): row {index}: feature {name}: infinite values are refused; "
            "send null for a missing value"
        )
    return number


def _refuse_keys(function: str, card: ModelCard, index: int, row: dict[str, Any]) -> None:
    missing = [n for n in card.feature_names if n not in row]
    unknown = sorted(k for k in row if k not in set(card.feature_names))
    takes = ", ".join(f"{f.name} ({JSON_TYPES[f.sql_type]})" for f in card.features)
    if missing:
        raise InvalidRows(
            f"function {function} ({card.ref}): row {index}: feature {missing[0]} is missing"
            f"{f' (and {len(missing) - 1} more)' if len(missing) > 1 else ''}; send null for an unknown "
            f"value. The model takes: {takes}"
        )
    raise InvalidRows(
        f"function {function} ({card.ref}): row {index}: {unknown[0]!r} is not a feature of the model. "
        f"The model takes: {takes}"
    )


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
