"""The minimal Django + DRF claim endpoint: the ceiling of the API (bench/README.md)."""
