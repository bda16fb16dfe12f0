"""Trained recurrent models loaded from files: their canonical form, readers and exact unrolling."""
