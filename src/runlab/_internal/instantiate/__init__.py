"""Hydra's ``hydra._internal.instantiate`` package path (see ``_instantiate2``)."""
