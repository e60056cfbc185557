"""runlab's built-in configs: the ``hydra/*`` config groups (search path entry ``pkg://runlab.conf``).

They are plain YAML files so that listing or selecting an option (``hydra/launcher=joblib``) never
imports a plugin; the ``hydra/config`` schema itself is a dataclass in ``runlab.config.settings``.
This package must stay a regular package (this file) for ``pkg://`` lookups to find it.
"""
