"""Request limits and numbers JSON cannot carry: 413 on a large body, NaN as NULL, no infinities."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

from tests.serving.conftest import MAX_BODY_BYTES, MAX_ROWS, Server
from tests.serving.test_predict import CASES, demo_rows


def chunked_post(server: Server, path: str, chunks: list[bytes]) -> tuple[int, dict[str, str]]:
    """A POST sent with chunked transfer encoding: no content-length for the server to check first."""
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request(
            "POST", path, body=iter(chunks), headers={"Content-Type": "application/json"}, encode_chunked=True
        )
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        connection.close()


def test_a_body_over_the_limit_is_refused_before_it_is_parsed(server: Server) -> None:
    row = demo_rows(server.site, *CASES[0], count=8)[7]
    # few rows (under MAX_ROWS) but a body over the byte limit: the byte limit answers
    padded = {"rows": [{**row, "plan": "x" * MAX_BODY_BYTES}]}
    status, answer = server.request("POST", "/v1/predict/predict_churn", padded)
    assert status == 413, answer
    assert f"over the limit of {MAX_BODY_BYTES} bytes" in answer["error"]
    assert "SQLSCORE_SERVE_MAX_BODY_BYTES" in answer["error"]

    body = json.dumps(padded).encode()
    pieces = [body[i : i + 8192] for i in range(0, len(body), 8192)]
    status, answer = chunked_post(server, "/v1/predict/predict_churn", pieces)
    assert status == 413 and "a request body over the limit" in answer["error"], answer

    # the same rows under the limit, sent chunked, are scored as usual
    small = json.dumps({"rows": [row] * 3}).encode()
    status, answer = chunked_post(server, "/v1/predict/predict_churn", [small[:100], small[100:]])
    assert status == 200 and len(answer["results"]) == 3, answer  # type: ignore[arg-type]

    status, answer = server.request("POST", "/v1/predict/predict_churn", {"rows": [row] * MAX_ROWS})
    assert status == 200 and len(answer["results"]) == MAX_ROWS


def test_nan_is_a_null_and_infinities_are_refused(server: Server) -> None:
    row = demo_rows(server.site, *CASES[0], count=8)[7]
    with_null = {**row, "monthly_charges": None}
    status, expected = server.request("POST", "/v1/predict/predict_churn", {"rows": [with_null]})
    assert status == 200
    # JSON has no NaN; Python's and JavaScript's encoders write the bare token NaN: read as NULL,
    # the SQL functions' convention for a missing double, so it scores like null
    text = json.dumps({"rows": [{**row, "monthly_charges": float("nan")}]})
    assert "NaN" in text
    status, answer = server.request("POST", "/v1/predict/predict_churn", raw=text.encode())
    assert status == 200 and answer["results"][0]["score"] == expected["results"][0]["score"]

    refused = {
        "Infinity": "infinite values are refused",
        "-Infinity": "infinite values are refused",
        "1e999": "infinite values are refused",  # beyond a double: parsed as infinity
        "1" + "0" * 400: "is beyond a double",  # a whole number too large for a double
    }
    for token, reason in refused.items():
        raw = json.dumps({"rows": [{**row, "monthly_charges": 0}]}).replace(
            '"monthly_charges": 0', f'"monthly_charges": {token}'
        )
        status, answer = server.request("POST", "/v1/predict/predict_churn", raw=raw.encode())
        assert status == 422, (token, answer)
        assert "row 0: feature monthly_charges" in answer["error"] and reason in answer["error"], answer


def test_more_digits_than_python_reads_are_refused_clearly(server: Server) -> None:
    row = demo_rows(server.site, *CASES[0], count=8)[7]
    raw = json.dumps({"rows": [{**row, "monthly_charges": 0}]}).replace(
        '"monthly_charges": 0', '"monthly_charges": ' + "9" * 5000
    )
    status, answer = server.request("POST", "/v1/predict/predict_churn", raw=raw.encode())
    # FastAPI refuses the body before any handler (400); the answer says why, naming the path
    assert status == 400 and "/v1/predict/predict_churn" in answer["error"], answer
    assert "4300 digits" in answer["error"], answer
