"""Identity: the same tensor under another name."""

from __future__ import annotations

from sqlscore.compiler.node import Node
from sqlscore.compiler.values import Tensor


def translate(node: Node) -> list[Tensor]:
    return [node.tensor(0)]
