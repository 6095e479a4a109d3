"""The view of one ONNX node a translator gets: its inputs as tensors, its attributes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sqlscore.compiler.values import Symbolic, Tensor
from sqlscore.errors import CompileError


@dataclass(frozen=True)
class Node:
    op: str
    name: str
    model: str
    inputs: tuple[Tensor | None, ...]
    attrs: dict[str, Any]
    domain: str = ""

    def fail(self, why: str) -> CompileError:
        """An error naming the model, the op and the node (raise it)."""
        return CompileError(f"model {self.model}: cannot compile {self.op} node {self.name!r} to SQL: {why}")

    def tensor(self, index: int) -> Tensor:
        """Input ``index``, a constant or computed per row; refused when the graph leaves it out."""
        value = self.inputs[index] if index < len(self.inputs) else None
        if value is None:
            raise self.fail(f"input {index} is missing")
        return value

    def symbolic(self, index: int) -> Symbolic:
        value = self.inputs[index] if index < len(self.inputs) else None
        if not isinstance(value, Symbolic):
            raise self.fail(f"input {index} must be computed per row")
        return value

    def constant(self, index: int) -> np.ndarray:
        value = self.inputs[index] if index < len(self.inputs) else None
        if not isinstance(value, np.ndarray):
            raise self.fail(f"input {index} must be a constant (an initializer)")
        return value

    def attr(self, name: str, default: Any = None) -> Any:
        return self.attrs.get(name, default)

    def string(self, name: str, default: str) -> str:
        """A single string attribute (ONNX stores them as bytes)."""
        value = self.attrs.get(name, default)
        return value.decode() if isinstance(value, bytes) else str(value)

    def strings(self, name: str) -> list[str]:
        return [v.decode() if isinstance(v, bytes) else str(v) for v in self.attrs.get(name, [])]
