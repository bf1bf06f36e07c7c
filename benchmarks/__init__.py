"""Benchmarks that anyone can rerun: ``python -m benchmarks [--quick]`` (see README, "Benchmarks")."""
