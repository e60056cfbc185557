"""Hydra's ``hydra.experimental`` package: the callback API and its example callbacks.

Hydra's old ``hydra.experimental.compose``/``initialize`` were removed for version_base >= 1.2 and are
not provided; import them from ``runlab`` directly.
"""
