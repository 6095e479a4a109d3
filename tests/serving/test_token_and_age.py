"""A server started with a token and a max age: 401 without the token, stale batch scores go live."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sqlscore.cli.main import main
from tests.serving.conftest import Server, start_server, stop_server
from tests.serving.test_scores import TABLE, as_of_features, published_rows

TOKEN = "s3cret-token-for-tests"


@pytest.fixture(scope="module")
def guarded(published_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Token required; batch scores older than one day (the demo's as-of date is 2026-10-31) are stale."""
    running = start_server(
        published_source,
        tmp_path_factory.mktemp("serve_guarded") / "serve.log",
        "--token",
        TOKEN,
        SQLSCORE_SERVE_MAX_AGE_DAYS="1",
    )
    yield running
    stop_server(running)


def test_v1_endpoints_need_the_token(guarded: Server) -> None:
    row = published_rows(guarded, 1)[0]
    path = f"/v1/scores/{TABLE}/{row['customer_id']}"
    for token in (None, "wrong", TOKEN[:-1]):
        status, answer = guarded.request("GET", path, token=token)
        assert status == 401 and "bearer token" in answer["error"]
        status, answer = guarded.request("POST", "/v1/predict/predict_churn", {"rows": [{}]}, token=token)
        assert status == 401
    assert guarded.request("GET", "/healthz")[0] == 200  # probes need no token
    assert guarded.request("GET", "/readyz")[0] == 200
    status, answer = guarded.request("GET", path, token=TOKEN)
    assert status == 200 and answer["source"] == "batch"


def test_a_stale_batch_score_is_replaced_by_the_live_one(guarded: Server) -> None:
    row = published_rows(guarded, 1)[0]
    path = f"/v1/scores/{TABLE}/{row['customer_id']}"
    status, answer = guarded.request("GET", path, token=TOKEN)  # no features: the stale batch, said so
    assert (
        status == 200 and answer["source"] == "batch" and answer["stale"] is True and answer["age_days"] > 1
    )
    features = as_of_features(guarded, [row["customer_id"]])[row["customer_id"]]
    status, answer = guarded.request("POST", path, {"features": features}, token=TOKEN)
    assert status == 200 and answer["source"] == "live" and answer["batch_as_of_date"] == "2026-10-31"
    assert answer["score"] == row["churn_probability"]  # same features, same version: same number


def test_serve_refuses_a_public_address_without_a_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SQLSCORE_SERVE_TOKEN", raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--port", "1"]) == 2
    assert "--token" in capsys.readouterr().err
