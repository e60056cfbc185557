"""runlab's version, and the Hydra release whose behaviour it reproduces."""

__version__ = "0.1.0"
HYDRA_COMPAT_VERSION = "1.3.8"
"""The Hydra release runlab is compatible with (shown by ``--version`` and ``--info``)."""
