"""The demo floor loaded by `make run`, and the data generators of the benchmarks."""
