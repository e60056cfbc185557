"""Hydra's ``hydra.core.override_parser`` package path (compatibility only)."""
