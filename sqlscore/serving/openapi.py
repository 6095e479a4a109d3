"""The OpenAPI schema, with one path per served function generated from its model card.

One route (``POST /v1/predict/{function}``) serves every function, so that a reload can change
the functions without rebuilding routes; the schema FastAPI generates for it only knows "rows of
objects". What a client needs is each function's feature names and types, so the schema adds a
path per function (``/v1/predict/predict_churn``: OpenAPI matches a concrete path before a
templated one) whose rows list exactly the card's features, in its order, required and nullable,
and nothing else. It is built from the model set being served, when asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from sqlscore.serving.models import ModelSet, ServedFunction

_JSON_SCHEMA_TYPES = {"DOUBLE": "number", "VARCHAR": "string"}


def row_schema(function: ServedFunction) -> dict[str, Any]:
    """The JSON schema of one row of ``function``: every feature of the card, null allowed."""
    card = function.card
    return {
        "title": f"{function.name} row",
        "description": f"the features of {card.ref}, in the order of predict_{card.name}'s arguments; "
        "null is a missing value (NaN for a number, '' for a string, as in SQL)",
        "type": "object",
        "properties": {
            f.name: {
                "type": [_JSON_SCHEMA_TYPES[f.sql_type], "null"],
                "description": f"SQL type {f.sql_type}",
            }
            for f in card.features
        },
        "required": card.feature_names,
        "additionalProperties": False,
    }


def function_path(function: ServedFunction, max_rows: int) -> dict[str, Any]:
    card = function.card
    outputs = "label, probabilities per class and score" if function.multiclass else "score"
    return {
        "post": {
            "tags": ["predict"],
            "summary": f"{function.name}: {card.ref} ({card.task})",
            "description": f"Scores rows with {function.declaration.model} (now {card.ref}, sha256 "
            f"{card.sha256}), as the SQL function {function.name} does. Each result: {outputs}, model "
            f"name, version and sha256. At most {max_rows} rows.",
            "operationId": f"predict_{function.name}",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["rows"],
                            "properties": {
                                "rows": {
                                    "type": "array",
                                    "minItems": 1,
                                    "maxItems": max_rows,
                                    "items": {"$ref": f"#/components/schemas/{function.name}_row"},
                                }
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "one result per row, in order",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/PredictResponse"}}
                    },
                },
                "413": {"description": "more rows than the limit"},
                "422": {
                    "description": "a row misses a feature, has an unknown one, or a value of the wrong type"
                },
            },
        }
    }


def openapi_builder(
    app: FastAPI, current: Callable[[], ModelSet], max_rows: int
) -> Callable[[], dict[str, Any]]:
    """``app.openapi``: FastAPI's schema of the routes plus one path per function served now."""

    def build() -> dict[str, Any]:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for function in current().functions.values():
            components[f"{function.name}_row"] = row_schema(function)
            schema["paths"][f"/v1/predict/{function.name}"] = function_path(function, max_rows)
        return schema

    return build
