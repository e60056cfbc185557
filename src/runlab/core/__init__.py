"""Hydra's ``hydra.core`` module paths, re-exporting runlab's own types (compatibility only)."""
