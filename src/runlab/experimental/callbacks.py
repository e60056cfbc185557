"""Hydra's example callbacks: log each job's outcome, or pickle job configs for ``--experimental-rerun``."""

from __future__ import annotations

import logging
import os
import pickle
from typing import Any

from runlab.experimental.callback import Callback

__all__ = ["LogJobReturnCallback", "PickleJobInfoCallback"]


class LogJobReturnCallback(Callback):
    """Logs ``Succeeded with return value: <v>`` or the job's exception when each job ends."""

    def __init__(self) -> None:
        self.log = logging.getLogger(f"{__name__}.{self.__class__.__name__}")

    def on_job_end(self, config: Any, job_return: Any, **kwargs: Any) -> None:
        from runlab.runtime.job_return import JobStatus

        if job_return.status == JobStatus.COMPLETED:
            self.log.info(f"Succeeded with return value: {job_return.return_value}")
        elif job_return.status == JobStatus.FAILED:
            self.log.error("", exc_info=job_return._return_value)
        else:
            self.log.error("Status unknown. This should never happen.")


class PickleJobInfoCallback(Callback):
    """Pickles the full job config (``config.pickle``) and the ``JobReturn`` (``job_return.pickle``).

    Both go to ``<output_dir>/<hydra.output_subdir>/``; ``--experimental-rerun`` reads the first.
    """

    output_dir: str

    def __init__(self) -> None:
        self.log = logging.getLogger(f"{__name__}.{self.__class__.__name__}")

    def on_job_start(self, config: Any, **kwargs: Any) -> None:
        from runlab.core.hydra_config import HydraConfig

        hydra = HydraConfig.get()
        self.output_dir = os.path.join(hydra.runtime.output_dir, str(hydra.output_subdir))
        path = os.path.join(self.output_dir, "config.pickle")
        self._dump(config, path)
        self.log.info(f"Saving job configs in {path}")

    def on_job_end(self, config: Any, job_return: Any, **kwargs: Any) -> None:
        path = os.path.join(self.output_dir, "job_return.pickle")
        self._dump(job_return, path)
        self.log.info(f"Saving job_return in {path}")

    @staticmethod
    def _dump(obj: Any, path: str) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as file:
            pickle.dump(obj, file, protocol=4)
