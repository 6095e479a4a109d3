"""README: ``export_model`` writes ``models_onnx/<name>/<version>/`` atomically: a process that
dies in the middle of writing a version leaves no version behind, half or whole, that the registry,
the functions or ``sqlscore models`` would see, and the next export is unaffected."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier

import sqlscore
from sqlscore import export_model
from sqlscore.cli.main import main
from sqlscore.registry import Registry

#: Files may grow to this size in the exporting process; the forest's artifact (~1.2 MB) is far
#: larger, so the kernel kills the process (SIGXFSZ) in the middle of writing it.
FILE_SIZE_LIMIT = 512 * 1024

EXPORT = textwrap.dedent(
    """
    import signal, sys
    import numpy as np, pandas as pd
    from sklearn.ensemble import RandomForestClassifier
    import sqlscore
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # Python ignores it; a real crash does not
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.normal(size=2000), "b": rng.normal(size=2000)})
    y = (x["a"] + rng.normal(size=2000) > 0).astype(int)
    model = RandomForestClassifier(n_estimators=40, random_state=0).fit(x, y)
    print("exporting", flush=True)
    sqlscore.export_model(model, x, "forest", registry=sys.argv[1], alias="champion")
    print("exported", flush=True)
    """
)


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def test_a_crash_while_writing_a_version_leaves_no_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "models_onnx"
    crashed = subprocess.run(
        [sys.executable, "-c", EXPORT, str(root)],
        preexec_fn=_limit_file_size,
        # nothing else may reach the limit first: no bytecode written, and onnxruntime's usage
        # database (~/.cache/Microsoft/DeveloperTools/.onnxruntime, megabytes) in an empty home
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(tmp_path / "home")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert crashed.returncode == -signal.SIGXFSZ, (crashed.returncode, crashed.stderr[-3000:])
    assert crashed.stdout.splitlines() == ["exporting"]
    # it died mid-write: a partial artifact lies on disk, outside any version folder
    partial = list(root.rglob("model.onnx"))
    assert len(partial) == 1 and partial[0].stat().st_size == FILE_SIZE_LIMIT, partial
    assert partial[0].parent.name.startswith(".")

    registry = Registry(root)
    assert registry.models() == [] and registry.versions("forest") == []
    warehouse = tmp_path / "w.duckdb"
    udfs = tmp_path / "udfs"  # no declarations: only what the registry holds
    con = sqlscore.connect(warehouse, registry=registry, udfs=udfs)
    try:
        report = sqlscore.registration_report(con)
        assert not report.registered and not report.failed
    finally:
        con.close()
    where = ["--registry", str(root), "--warehouse", str(warehouse)]
    assert main([*where, "models", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main([*where, "models", "verify"]) == 0  # nothing reported broken either

    # the next export is unaffected: version 1, whole, verified, callable
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.normal(size=2000), "b": rng.normal(size=2000)})
    y = (x["a"] + rng.normal(size=2000) > 0).astype(int)
    model = RandomForestClassifier(n_estimators=40, random_state=0).fit(x, y)
    card = export_model(model, x, "forest", registry=registry, alias="champion")
    assert card.version == "1" and registry.versions("forest") == ["1"] and not registry.verify()
    con = sqlscore.connect(warehouse, registry=registry, udfs=udfs)
    try:
        score = con.sql("select predict_forest(1.0, 0.0)").fetchall()[0][0]
    finally:
        con.close()
    assert abs(score - model.predict_proba(pd.DataFrame({"a": [1.0], "b": [0.0]}))[0, 1]) <= 1e-5
