"""Tests of the model readers, the loader and the refusal of hostile files."""
