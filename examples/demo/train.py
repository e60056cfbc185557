"""A tiny "training" task for the demo: deterministic, fast, and shaped like a real experiment.

The loss curve depends on the optimizer, the learning rate and the seed, so a sweep over them has a
clear best setting and some noise across seeds for `runlab compare` to aggregate.
"""

from __future__ import annotations

import logging
import math
import random

from omegaconf import DictConfig

import runlab

log = logging.getLogger(__name__)


@runlab.main(version_base=None, config_path="conf", config_name="config")
def train(cfg: DictConfig) -> dict[str, float]:
    rng = random.Random(cfg.seed)
    speed = cfg.optimizer.speed * cfg.lr / (cfg.lr + 0.05)
    loss = 1.0
    for step in range(cfg.steps):
        loss = math.exp(-speed * (step + 1)) + 0.05 * rng.random()
        runlab.log_metrics({"loss": loss, "lr": cfg.lr}, step=step)
    accuracy = 1.0 - loss / 2
    log.info("optimizer=%s lr=%s seed=%s: loss=%.4f", cfg.optimizer.name, cfg.lr, cfg.seed, loss)
    return {"loss": loss, "accuracy": accuracy}


if __name__ == "__main__":
    train()
