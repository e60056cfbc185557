"""Builders for runtime tests: a hydra node like the composed one, made directly with OmegaConf."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

DEFAULT_JOB_LOGGING: dict[str, Any] = {
    "version": 1,
    "formatters": {"simple": {"format": "[%(asctime)s][%(name)s][%(levelname)s] - %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "simple", "stream": "ext://sys.stdout"},
        "file": {
            "class": "logging.FileHandler",
            "formatter": "simple",
            "filename": "${hydra.runtime.output_dir}/${hydra.job.name}.log",
        },
    },
    "root": {"level": "INFO", "handlers": ["console", "file"]},
    "disable_existing_loggers": False,
}


def make_config(tmp_path: Path, app: dict[str, Any] | None = None, **hydra: Any) -> DictConfig:
    """A full job config (app keys + ``hydra`` node) with the fields run_job reads.

    Keyword arguments set hydra keys, ``__`` standing for ``.``: ``job__chdir=True``.
    """
    node: dict[str, Any] = {
        "run": {"dir": str(tmp_path / "out")},
        "sweep": {"dir": str(tmp_path / "multi"), "subdir": "${hydra.job.num}"},
        "hydra_logging": None,
        "job_logging": DEFAULT_JOB_LOGGING,
        "mode": "RUN",
        "callbacks": {},
        "output_subdir": ".hydra",
        "overrides": {"hydra": [], "task": []},
        "job": {
            "name": "app",
            "chdir": None,
            "override_dirname": "",
            "id": "???",
            "num": "???",
            "config_name": "config",
            "env_set": {},
            "env_copy": [],
        },
        "runtime": {"version": "0.1.0", "version_base": "1.3", "cwd": str(tmp_path), "output_dir": "???"},
        "verbose": False,
    }
    config = OmegaConf.create({**(app or {"x": 1}), "hydra": node})
    for dotted, value in hydra.items():
        OmegaConf.update(config, "hydra." + dotted.replace("__", "."), value, force_add=True)
    return config
