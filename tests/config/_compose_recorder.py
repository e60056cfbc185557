"""Compose every scenario with one implementation and print the outcomes as JSON.

Run as ``python _compose_recorder.py <hydra|runlab> <scenarios.json>`` — the same code under
hydra-core (the oracle environment) and under runlab, so both sides are recorded identically.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import warnings
from typing import Any


def _record(package: str, scenario: dict[str, Any]) -> dict[str, Any]:
    api = importlib.import_module(package)
    global_hydra = importlib.import_module(f"{package}.core.global_hydra").GlobalHydra
    from omegaconf import OmegaConf, open_dict

    out: dict[str, Any] = {}
    os.chdir(scenario["directory"])
    _register(package, scenario["directory"])
    global_hydra.instance().clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with api.initialize_config_dir(
                config_dir=scenario["directory"],
                version_base=scenario["version_base"],
                job_name="app",
            ):
                config = api.compose(
                    scenario["config_name"], overrides=scenario["overrides"], return_hydra_config=True
                )
                hydra = config.hydra
                out["choices"] = [[k, v] for k, v in OmegaConf.to_container(hydra.runtime.choices).items()]
                out["task"] = list(hydra.overrides.task)
                out["dirname"] = hydra.job.override_dirname
                out["job_name"] = hydra.job.name
                out["config_name"] = hydra.job.config_name
                out["hydra_run"] = OmegaConf.to_yaml(hydra.run)
                out["hydra_keys"] = [str(key) for key in hydra]
                out["hydra_job"] = [hydra.job.chdir, OmegaConf.to_container(hydra.job.env_set)]
                with open_dict(config):
                    del config["hydra"]
                out["yaml"] = OmegaConf.to_yaml(config)
                out["struct"] = OmegaConf.is_struct(config)
                # Again without the hydra node (the compose API's default), which runlab may skip.
                with warnings.catch_warnings(record=True) as caught_lite:
                    warnings.simplefilter("always")
                    lite = api.compose(scenario["config_name"], overrides=scenario["overrides"])
                out["lite_yaml"] = OmegaConf.to_yaml(lite)
                out["lite_struct"] = OmegaConf.is_struct(lite)
                out["lite_keys"] = [str(key) for key in lite]
                out["lite_warnings"] = [
                    f"{w.category.__name__}: {w.message}"
                    for w in caught_lite
                    if not str(w.message).startswith("The version_base parameter")
                ]
        except BaseException as error:  # noqa: BLE001 - every failure is an outcome to compare
            out["error"] = type(error).__name__
            out["error_bases"] = [cls.__name__ for cls in type(error).__mro__]
            out["message"] = str(error)
            cause = error.__cause__
            out["cause"] = None if cause is None else f"{type(cause).__name__}: {cause}"
    out["warnings"] = [
        f"{w.category.__name__}: {w.message}"
        for w in caught
        if not str(w.message).startswith("The version_base parameter")
    ]
    return out


_registered: set[str] = set()


def _register(package: str, directory: str) -> None:
    """Run a tree's ``_register.py`` (ConfigStore entries) once per process."""
    script = os.path.join(directory, "_register.py")
    if directory in _registered or not os.path.exists(script):
        return
    _registered.add(directory)
    import importlib.util

    name = f"_register_{len(_registered)}"
    spec = importlib.util.spec_from_file_location(name, script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    store = importlib.import_module(f"{package}.core.config_store").ConfigStore
    module.register(store)


def main() -> None:
    package, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as handle:
        scenarios = json.load(handle)
    results = {item["id"]: _record(package, item) for item in scenarios}
    sys.stdout.write(json.dumps(results))


if __name__ == "__main__":
    main()
