"""Facts about the process a run records."""

from __future__ import annotations


def test_python_info_matches_the_platform_module() -> None:
    import platform
    import sys

    from runlab.tracking.environment import python_info

    info = python_info()
    assert info["version"] == platform.python_version()
    assert info["implementation"] == platform.python_implementation()
    assert info["executable"] == sys.executable
    assert info["platform"] == platform.platform(terse=True)
