"""The registry is committable: git ignores only what sqlscore regenerates."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _ignored(path: str) -> bool:
    result = subprocess.run(
        ["git", "-C", str(REPO), "check-ignore", "--no-index", "-q", path], check=False, capture_output=True
    )
    assert result.returncode in (0, 1), result.stderr
    return result.returncode == 0


@pytest.mark.skipif(
    shutil.which("git") is None or not (REPO / ".git").exists(), reason="needs a git checkout"
)
def test_a_teams_model_is_committed_and_generated_files_are_not() -> None:
    for committed in (
        "models_onnx/upsell/1/model.onnx",
        "models_onnx/upsell/1/model_card.json",
        "models_onnx/upsell/1/input_profile.json",
        "models_onnx/upsell/aliases.json",
    ):
        assert not _ignored(committed), committed
    for generated in (
        "models_onnx/churn/1/model.onnx",  # the demo's, trained by make demo
        "models_onnx/risk/aliases.json",
        "models_onnx/.lock",
        "models_onnx/upsell/.2.k3j9x/model.onnx",  # an interrupted export's staging folder
        "models_onnx/upsell/aliases.json.tmp",
    ):
        assert _ignored(generated), generated
