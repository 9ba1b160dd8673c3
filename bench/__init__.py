"""Benchmarks: each bench_*.py prints ratios against its anchor and appends JSON to bench/results/."""
