"""Benchmarks against the anchors (gensim, ...). Each prints JSON and writes bench/results/."""
