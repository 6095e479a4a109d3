"""Tree ensembles: the two translators and the tree code only they use.

``_ensemble`` reads an ensemble's node table and writes each tree as nested
CASE expressions summed the way onnxruntime sums them; ``_splits`` turns each
split into an SQL condition, moved back onto the raw input where that is exact.
"""
