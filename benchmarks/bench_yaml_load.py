"""How much slower runlab's config YAML loading is than bare libyaml (yaml.CSafeLoader).

runlab's loader adds OmegaConf's resolvers, the duplicate-key check and the alias guard on top of
libyaml; this prints the cost of that on a 10,000-leaf file (cold parse), the cost of a cache hit, and,
for scale, what wrapping the data in an OmegaConf container costs.

    python benchmarks/bench_yaml_load.py [--leaves N] [--repeat R]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from runlab.config.yamlfiles import clear_yaml_cache, config_from_data, load_yaml_file


def write_config(path: Path, leaves: int) -> None:
    """A realistic config: 100 groups of mixed scalars (ints, floats, strings, bools, interpolations)."""
    per_group = max(1, leaves // 100)
    lines = []
    for group in range(100):
        lines.append(f"group_{group}:")
        for item in range(per_group):
            kind = item % 5
            value = [str(item), f"{item}.5", f"name_{item}", "true", "${group_0.key_0}"][kind]
            lines.append(f"  key_{item}: {value}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def best_of(repeat: int, func: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        write_config(path, args.leaves)

        def raw() -> Any:
            return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)

        def cold() -> Any:
            clear_yaml_cache()
            return load_yaml_file(path)

        raw_time = best_of(args.repeat, raw)
        cold_time = best_of(args.repeat, cold)
        load_yaml_file(path)
        warm_time = best_of(args.repeat, lambda: load_yaml_file(path))
        data = load_yaml_file(path)
        wrap_time = best_of(3, lambda: config_from_data(data, filename=str(path)))
    print(f"leaves: {args.leaves}")
    print(f"yaml.CSafeLoader (raw):      {raw_time * 1000:8.2f} ms")
    print(f"runlab load_yaml_file, cold: {cold_time * 1000:8.2f} ms")
    print(f"runlab load_yaml_file, hit:  {warm_time * 1000:8.2f} ms")
    print(f"OmegaConf.create(data):      {wrap_time * 1000:8.2f} ms (for scale)")
    print(f"ratio cold/raw: {cold_time / raw_time:.2f}")
    print(f"ratio hit/raw:  {warm_time / raw_time:.2f}")


if __name__ == "__main__":
    main()
