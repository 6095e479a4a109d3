"""`sqlscore models import`: a model converted in another process, with a sample of its own
predictions, is checked with export_model's tolerances and then scores in SQL like scikit-learn."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl

from sqlscore.registry import Registry

#: The other process: trains, converts with skl2onnx (ZipMap off, one input per column), and
#: writes the sample with what the model predicted there.
TRAINING = textwrap.dedent(
    """
    import sys
    import numpy as np, pandas as pd, polars as pl
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import DoubleTensorType, StringTensorType
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    out = sys.argv[1]
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"visits": rng.normal(10, 3, 800), "tier": rng.choice(["a", "b", "c"], 800)})
    y = ((frame.visits > 10) ^ (frame.tier == "a")).astype(int)
    model = Pipeline([("p", ColumnTransformer([("n", StandardScaler(), ["visits"]),
                                               ("c", OneHotEncoder(handle_unknown="ignore"), ["tier"])])),
                      ("m", LogisticRegression())]).fit(frame, y)
    onx = to_onnx(model, initial_types=[("visits", DoubleTensorType([None, 1])), ("tier", StringTensorType([None, 1]))],
                  options={id(model.steps[-1][1]): {"zipmap": False}}, target_opset={"": 18, "ai.onnx.ml": 3})
    open(out + "/model.onnx", "wb").write(onx.SerializeToString())
    sample = pl.from_pandas(frame.head(300)).with_columns(
        pl.Series("expected_label", model.predict(frame.head(300))),
        pl.Series("expected_probabilities", model.predict_proba(frame.head(300)).tolist()),
    )
    sample.write_parquet(out + "/sample.parquet")
    wrong = sample.with_columns(pl.Series("expected_probabilities", (model.predict_proba(frame.head(300)) * 0.9).tolist()))
    wrong.write_parquet(out + "/wrong.parquet")
    """
)


def test_import_checks_the_predictions_then_the_model_scores_in_sql(
    run_cli, demo_env, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    subprocess.run([sys.executable, "-c", TRAINING, str(tmp_path)], check=True, timeout=300)
    _, registry = demo_env
    onnx_file, sample = str(tmp_path / "model.onnx"), str(tmp_path / "sample.parquet")

    wrong = run_cli(
        "models", "import", onnx_file, "--name", "tiered", "--sample", str(tmp_path / "wrong.parquet")
    )
    assert wrong.returncode == 2 and "max abs difference" in wrong.stderr and "not registered" in wrong.stderr
    assert "tiered" not in registry.models()

    result = run_cli(
        "models", "import", onnx_file, "--name", "tiered", "--sample", sample, "--alias", "champion"
    )
    assert result.returncode == 0, result.stderr
    assert "registered tiered:1 (binary_classification, 2 features)" in result.stdout
    card = registry.card("tiered", 1)
    assert card.classes == (0, 1) and card.feature_names == ["visits", "tier"] and card.parity["passed"]
    assert json.loads(run_cli("models", "verify", "--json").stdout)["problems"] == []

    expected = pl.read_parquet(sample)
    row = expected.row(0, named=True)
    scored = run_cli(
        "sql", "--format", "json", f"select predict_tiered({row['visits']}, '{row['tier']}') as p"
    )
    assert scored.returncode == 0, scored.stderr
    assert abs(json.loads(scored.stdout)[0]["p"] - row["expected_probabilities"][1]) <= 1e-6
    assert Registry(registry.root).resolve("tiered").version == "1"  # the champion
