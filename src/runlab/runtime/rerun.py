"""``--experimental-rerun FILE``: run the task again with a config pickled by ``PickleJobInfoCallback``.

No composition, output directory, chdir, callbacks or snapshot files: the pickled config is used as it
is (lazy values such as ``${now:...}`` are evaluated again) and the job's log is appended to.
"""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from runlab.runtime.argv import Invocation
    from runlab.types import TaskFunction

__all__ = ["rerun"]


def rerun(invocation: Invocation, task_function: TaskFunction) -> None:
    import copy
    import pickle

    from omegaconf import open_dict, read_write

    from runlab.errors import UsageError
    from runlab.runtime import context
    from runlab.runtime.jobs import _call_task
    from runlab.runtime.logs import configure_log

    warnings.warn(
        "Experimental rerun CLI option, other command line args are ignored.",
        UserWarning,
        stacklevel=2,
    )
    if invocation.overrides:
        warnings.warn("Config overrides are not supported as of now.", UserWarning, stacklevel=2)
    path = str(invocation.experimental_rerun)
    if not os.path.isfile(path):
        raise UsageError(f"File {path} does not exist!")
    try:
        with open(path, "rb") as file:
            config = pickle.load(file)
        config.hydra  # noqa: B018 - a config pickle holds a composed config with its hydra node
    except Exception as error:  # noqa: BLE001 - any failure means the file is no config pickle
        raise UsageError(
            f"File {path} is not a config pickle (.hydra/config.pickle of a run): {error}"
        ) from None
    context.register_resolvers()
    configure_log(config.hydra.job_logging, config.hydra.verbose)
    context.set_hydra_config(config)
    task_cfg = copy.deepcopy(config)
    with read_write(task_cfg), open_dict(task_cfg):
        del task_cfg["hydra"]
    _call_task(task_function, task_cfg)
