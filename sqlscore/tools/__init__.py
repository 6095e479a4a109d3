"""Tools around the product: the benchmark, the demo data and models, scaffolding."""
