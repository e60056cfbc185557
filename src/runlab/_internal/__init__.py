"""Hydra's ``hydra._internal`` module path, for code that reached into Hydra's internals.

Only the few names such code commonly imports are provided, as aliases of runlab's own functions.  Like
Hydra's, this package is refused as a ``_target_`` by the target policy.
"""
