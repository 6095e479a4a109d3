"""Tree ensembles as nested CASE expressions, summed the way onnxruntime sums them.

onnxruntime evaluates float trees in float32: leaf weights are float32 and a
row's score is accumulated tree by tree in float32, then the base value is
added. The SQL does the same: leaves are REAL literals, the per-tree CASE
expressions are added left to right in REAL arithmetic (DuckDB, PostgreSQL and
Spark all keep REAL + REAL in float32), so the sums are bit-identical.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.ops.trees._splits import Condition, Flipped, Split, compile_splits
from sqlscore.compiler.types import FLOAT
from sqlscore.compiler.values import Col


@dataclass
class TreeNode:
    mode: str
    split_index: int = -1  # into the ensemble's split list
    true_id: int = -1
    false_id: int = -1
    weights: dict[int, float] = field(default_factory=dict)  # class/target id -> summed weight


@dataclass
class Ensemble:
    trees: dict[int, dict[int, TreeNode]]
    roots: dict[int, int]
    splits: list[Split]

    def targets(self) -> list[int]:
        found = {k for tree in self.trees.values() for n in tree.values() for k in n.weights}
        return sorted(found)


def read_ensemble(node: Node, weights_prefix: str) -> Ensemble:
    """Nodes, splits and leaf weights of a TreeEnsemble{Classifier,Regressor} node."""
    if (
        node.attr("nodes_values_as_tensor") is not None
        or node.attr(f"{weights_prefix}_weights_as_tensor") is not None
    ):
        raise node.fail("double-precision trees (*_as_tensor attributes) are not supported")
    tree_ids = [int(v) for v in node.attr("nodes_treeids", [])]
    node_ids = [int(v) for v in node.attr("nodes_nodeids", [])]
    features = [int(v) for v in node.attr("nodes_featureids", [])]
    modes = node.strings("nodes_modes")
    values = np.asarray(node.attr("nodes_values", []), dtype=np.float32)
    true_ids = [int(v) for v in node.attr("nodes_truenodeids", [])]
    false_ids = [int(v) for v in node.attr("nodes_falsenodeids", [])]
    missing = [int(v) for v in node.attr("nodes_missing_value_tracks_true", [])] or [0] * len(tree_ids)
    trees: dict[int, dict[int, TreeNode]] = {}
    splits: list[Split] = []
    for i, (tree, nid) in enumerate(zip(tree_ids, node_ids, strict=True)):
        entry = TreeNode(modes[i])
        if modes[i] != "LEAF":
            entry.split_index = len(splits)
            entry.true_id, entry.false_id = true_ids[i], false_ids[i]
            splits.append(Split(features[i], modes[i], float(values[i]), bool(missing[i])))
        trees.setdefault(tree, {})[nid] = entry
    leaf_trees = [int(v) for v in node.attr(f"{weights_prefix}_treeids", [])]
    leaf_nodes = [int(v) for v in node.attr(f"{weights_prefix}_nodeids", [])]
    leaf_ids = [int(v) for v in node.attr(f"{weights_prefix}_ids", [])]
    leaf_weights = np.asarray(node.attr(f"{weights_prefix}_weights", []), dtype=np.float32)
    for tree, nid, target, weight in zip(leaf_trees, leaf_nodes, leaf_ids, leaf_weights, strict=True):
        leaf = trees[tree][nid]
        leaf.weights[target] = float(np.float32(leaf.weights.get(target, 0.0)) + weight)
    roots = {}
    for tree, nodes in trees.items():
        children = {n.true_id for n in nodes.values()} | {n.false_id for n in nodes.values()}
        candidates = [nid for nid in nodes if nid not in children]
        if len(candidates) != 1:
            raise node.fail(f"tree {tree} has no single root")
        roots[tree] = candidates[0]
    return Ensemble(trees, roots, splits)


def conditions_for(node: Node, ensemble: Ensemble, cols: Sequence[Col]) -> list[Condition]:
    for split in ensemble.splits:
        if split.feature >= len(cols):
            raise node.fail(f"a split reads feature {split.feature} of {len(cols)}")
    return compile_splits(cols, ensemble.splits)


def tree_sums(ensemble: Ensemble, conditions: Sequence[Condition], target: int) -> tuple[exp.Expression, int]:
    """The left-to-right REAL sum of every tree's value for ``target``; also the number of trees."""
    terms: list[exp.Expression] = []
    for tree in sorted(ensemble.trees):
        nodes = ensemble.trees[tree]
        if not any(target in n.weights for n in nodes.values()):
            continue
        expression, _ = _subtree(nodes, ensemble.roots[tree], conditions, target)
        terms.append(expression)
    if not terms:
        return sql.real(0.0), 0
    result = terms[0]
    for term in terms[1:]:
        result = exp.Add(this=result, expression=term)
    return result, len(ensemble.trees)


def _subtree(
    nodes: dict[int, TreeNode], nid: int, conditions: Sequence[Condition], target: int
) -> tuple[exp.Expression, float | None]:
    """The CASE expression of a subtree, and its value when it is a constant."""
    current = nodes[nid]
    if current.mode == "LEAF":
        value = current.weights.get(target, 0.0)
        return sql.real(value), value
    condition = conditions[current.split_index]
    if isinstance(condition, bool):  # every row goes the same way
        return _subtree(nodes, current.true_id if condition else current.false_id, conditions, target)
    left, left_value = _subtree(nodes, current.true_id, conditions, target)
    right, right_value = _subtree(nodes, current.false_id, conditions, target)
    if left_value is not None and left_value == right_value:
        return left, left_value
    if isinstance(condition, Flipped):
        return sql.case(condition.expression.copy(), right, left), None
    return sql.case(condition.copy(), left, right), None


def with_base(total: exp.Expression, base: float | None) -> exp.Expression:
    if base is None:
        return total
    return exp.Add(this=sql.paren(total), expression=sql.real(base))


def as_float(expression: exp.Expression) -> Col:
    return Col(expression, FLOAT)
