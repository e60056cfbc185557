"""Test-only shim: lets an unmodified Hydra app (``import hydra``) run on runlab.

Differential tests run the same script under hydra-core and under runlab; this module is put on
PYTHONPATH for the runlab side only.  It is the documented migration path (``import runlab as hydra``)
done for a whole process, including ``from hydra.core.config_store import ConfigStore``.
"""

import importlib
import sys

import runlab

_real = sys.modules[__name__]


class _Finder:
    """Map ``hydra.x.y`` imports to ``runlab.x.y``."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.startswith("hydra."):
            import importlib.util

            return importlib.util.spec_from_loader(name, _Loader())
        return None


class _Loader:
    def create_module(self, spec):
        return importlib.import_module("runlab" + spec.name[len("hydra") :])

    def exec_module(self, module):
        return None


sys.meta_path.insert(0, _Finder())
sys.modules[__name__] = runlab
