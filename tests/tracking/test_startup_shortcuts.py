"""The start-up shortcuts of the recorder give the same answers as the slow paths they avoid."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest

from runlab.tracking import environment, gitinfo


@pytest.mark.parametrize("name", ["runlab", "omegaconf", "PyYAML", "pyyaml", "pytest",
                                  "typing_extensions", "typing-extensions",
                                  "no-such-distribution-xyz"])
def test_distribution_version_matches_importlib_metadata(name: str) -> None:
    try:
        expected: str | None = metadata.version(name)
    except metadata.PackageNotFoundError:
        expected = None
    assert environment.distribution_version(name) == expected


def test_distribution_version_reads_a_dist_info_on_sys_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    info = tmp_path / "Fancy_Pkg-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fancy-pkg\nVersion: 1.2.3\n\nBody\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert environment._fast_distribution_version("fancy.pkg") == "1.2.3"
    assert environment.distribution_version("fancy-pkg") == metadata.version("fancy-pkg") == "1.2.3"


@pytest.mark.parametrize("layout", ["directory", "file"])
def test_distribution_version_reads_an_egg_info_like_importlib(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str) -> None:
    # setuptools leaves <name>.egg-info in a source tree; run with PYTHONPATH=src it comes first.
    headers = "Metadata-Version: 2.1\nName: eggy-pkg\nVersion: 4.5.6\n\nBody\n"
    if layout == "directory":
        (tmp_path / "eggy_pkg.egg-info").mkdir()
        (tmp_path / "eggy_pkg.egg-info" / "PKG-INFO").write_text(headers)
    else:
        (tmp_path / "eggy_pkg-4.5.6-py3.11.egg-info").write_text(headers)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert environment._fast_distribution_version("eggy-pkg") == "4.5.6"
    assert metadata.version("eggy-pkg") == "4.5.6"


def test_no_git_process_outside_a_work_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if any((parent / ".git").exists() for parent in [tmp_path, *tmp_path.parents]):
        pytest.fail(f"{tmp_path} lies inside a git work tree: the test needs one outside")
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.delenv("GIT_WORK_TREE", raising=False)
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(gitinfo, "_git", lambda cwd, *args: calls.append(args))
    gitinfo.clear_cache()
    assert gitinfo.git_state(tmp_path) is None
    assert calls == []
    (tmp_path / ".git").mkdir()
    gitinfo.clear_cache()
    gitinfo.git_state(tmp_path / "")
    assert calls  # a .git entry: git itself decides
    gitinfo.clear_cache()


def test_lazy_module_versions_are_the_ones_the_module_reports() -> None:
    import warnings

    import attr

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reported = attr.__version__
    assert environment._module_version("attr", attr) == reported
    assert environment.package_versions()["attr"] == reported
