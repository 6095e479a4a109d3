"""GET/POST /v1/scores/{published_table}/{key}: batch scores from the serving file, live otherwise."""

from __future__ import annotations

from typing import Any

import duckdb

from tests.serving.conftest import Server
from tests.serving.test_predict import AS_OF

TABLE = "customer_churn_scores"


def published_rows(server: Server, count: int) -> list[dict[str, Any]]:
    with duckdb.connect(str(server.site / "warehouse_serving.duckdb"), read_only=True) as con:
        result = con.execute(f"select * from {TABLE} order by customer_id limit {count}")
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def as_of_features(server: Server, customer_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The features dbt computed for these customers at the as-of date the batch scored."""
    from sqlscore.registry import Registry

    names = Registry(server.site / "models_onnx").resolve("churn").feature_names
    with duckdb.connect(str(server.site / "warehouse.duckdb"), read_only=True) as con:
        result = con.execute(
            f"select customer_id, {', '.join(names)} from intermediate.int_customers_featurized "
            "where as_of_date = ? and customer_id in (select unnest(?::bigint[]))",
            [AS_OF, customer_ids],
        )
        return {row[0]: dict(zip(names, row[1:], strict=True)) for row in result.fetchall()}


def test_batch_score_is_the_published_row(server: Server) -> None:
    for row in published_rows(server, 3):
        status, answer = server.request("GET", f"/v1/scores/{TABLE}/{row['customer_id']}")
        assert status == 200, answer
        assert answer["source"] == "batch" and answer["stale"] is False
        assert answer["score"] == row["churn_probability"]
        assert answer["as_of_date"] == AS_OF == row["as_of_date"].isoformat()
        assert answer["model_version"] == str(row["model_version"]) and answer["run_id"] == row["run_id"]
        assert answer["model_sha256"] == row["model_sha256"]


def test_live_score_equals_the_batch_score_for_the_same_features(server: Server) -> None:
    rows = published_rows(server, 20)
    features = as_of_features(server, [r["customer_id"] for r in rows])
    differences = []
    for row in rows:
        status, answer = server.request(
            "POST",
            f"/v1/scores/{TABLE}/{row['customer_id']}?live=true",
            {"features": features[row["customer_id"]], "as_of_date": AS_OF},
        )
        assert status == 200, answer
        assert answer["source"] == "live" and answer["model_version"] == str(row["model_version"])
        assert answer["model_sha256"] == row["model_sha256"] and answer["batch_as_of_date"] == AS_OF
        differences.append(abs(answer["score"] - row["churn_probability"]))
    # the batch scored 4,000 customers in DuckDB chunks of up to 2,048 rows, the live score one row:
    # the same scorer on the same features gives the same double (measured equal on 300 of each table)
    assert max(differences) <= 1e-9 and set(differences) == {0.0}, differences


def test_an_entity_the_batch_has_not_seen_is_scored_live(server: Server) -> None:
    row = published_rows(server, 1)[0]
    features = as_of_features(server, [row["customer_id"]])[row["customer_id"]]
    status, answer = server.request("GET", f"/v1/scores/{TABLE}/987654321")
    assert (
        status == 404
        and "customer_id = '987654321'" in answer["error"]
        and "POST its features" in answer["error"]
    )

    status, answer = server.request("POST", f"/v1/scores/{TABLE}/987654321", {"features": features})
    assert status == 200, answer
    assert answer["source"] == "live" and answer["run_id"] is None and answer["batch_as_of_date"] is None
    assert answer["key"] == 987654321  # typed as the table's key
    status, predicted = server.request("POST", "/v1/predict/predict_churn", {"rows": [features]})
    assert answer["score"] == predicted["results"][0]["score"]

    # an entity the batch has, with features, and no max age: the batch answers
    status, answer = server.request(
        "POST", f"/v1/scores/{TABLE}/{row['customer_id']}", {"features": features}
    )
    assert status == 200 and answer["source"] == "batch" and answer["score"] == row["churn_probability"]


def test_tables_and_keys_are_checked(server: Server) -> None:
    status, answer = server.request("GET", "/v1/scores/customers/1")
    assert (
        status == 404
        and "customer_churn_scores" in answer["error"]
        and "loan_application_risk_scores" in answer["error"]
    )
    status, answer = server.request("GET", "/v1/scores/customer_churn_scores%3B%20drop%20table%20x/1")
    assert status == 404 and "no published table" in answer["error"]
    status, answer = server.request("GET", f"/v1/scores/{TABLE}/1%20or%201=1")
    assert status == 422 and "key customer_id is a whole number" in answer["error"]
    status, answer = server.request("POST", f"/v1/scores/{TABLE}/987654321", {"features": {"plan": "basic"}})
    assert status == 422 and "predict_churn" in answer["error"] and "is missing" in answer["error"]
    status, answer = server.request("GET", "/v1/scores/loan_application_risk_scores/1")
    assert status in (200, 404), answer  # the risk table is served (its first key may be absent)


def test_health_readiness_and_metrics(server: Server) -> None:
    assert server.request("GET", "/healthz") == (200, {"status": "alive"})
    status, ready = server.request("GET", "/readyz")
    assert status == 200 and ready["ready"] is True and ready["problems"] == []
    assert ready["functions"]["predict_churn"].startswith("churn:")
    with duckdb.connect(str(server.site / "warehouse_serving.duckdb"), read_only=True) as con:
        run_id = con.execute("select any_value(run_id) from serving_info").fetchone()[0]  # type: ignore[index]
    assert ready["serving_file"]["run_id"] == run_id
    assert {TABLE, "loan_application_risk_scores"} <= set(ready["serving_file"]["tables"])

    row = published_rows(server, 1)[0]
    for _ in range(3):
        server.request("GET", f"/v1/scores/{TABLE}/{row['customer_id']}")
    server.request("POST", "/v1/predict/predict_nothing", {"rows": [{}]})
    status, text = server.request("GET", "/metrics")
    assert status == 200
    version = row["model_version"]
    labels = f'endpoint="/v1/scores/{{published_table}}/{{key}}",model="churn",model_version="{version}"'
    counts = [
        line
        for line in text.splitlines()
        if line.startswith(f'sqlscore_requests_total{{{labels},status="200"}}')
    ]
    assert counts and int(counts[0].rsplit(" ", 1)[1]) >= 3, text
    assert f'sqlscore_request_duration_seconds_bucket{{{labels},le="+Inf"}}' in text
    assert (
        'sqlscore_request_errors_total{endpoint="/v1/predict/{function}",model="",model_version="",status="404"}'
        in text
    )
    assert (
        f'sqlscore_model_info{{function="predict_churn",model="churn",version="{version}",sha256="{row["model_sha256"]}"}} 1'
        in text
    )
