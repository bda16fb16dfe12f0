"""BPTT Explorer's web layer, in layers over `core`: contract <- figures <- endpoints, pages and export, with the
service beside the figures (README.md's Layout; tests/test_layers.py holds it)."""
