"""Benchmarks (not tests): each script prints one comparable line; see README.md."""
