"""Hydra's ``hydra._internal.utils`` names that user code imports in practice (``_locate``)."""

from runlab.config.locate import locate as _locate

__all__ = ["_locate"]
