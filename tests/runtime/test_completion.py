"""Shell completion: install scripts, the help lines, and the suggestion rules."""

from __future__ import annotations

from omegaconf import OmegaConf

from runlab.runtime import completion


class FakeRepository:
    """Groups: db (mysql, postgresql), schema (school), server/ (only subgroups), hydra (both)."""

    def __init__(self) -> None:
        self.groups = {
            "": ["db", "hydra", "schema", "server"],
            "server": ["apache"],
            "hydra": ["launcher"],
        }
        self.options = {
            "db": ["mysql", "postgresql"],
            "schema": ["school"],
            "hydra": ["config"],
            "server/apache": ["a"],
        }

    def list_groups(self, parent: str = "") -> list[str]:
        return self.groups.get(parent, [])

    def get_group_options(self, group: str) -> list[str]:
        return self.options.get(group, [])

    def group_exists(self, group: str) -> bool:
        return group in self.options or group in self.groups


CONFIG = OmegaConf.create({"app": {"name": "x"}, "db": {"driver": "mysql", "debug": True}})


def suggest(word: str, config: object = CONFIG) -> list[str]:
    return completion.suggestions(config, FakeRepository(), [], word)


def test_empty_word_lists_groups_and_keys() -> None:
    assert suggest("") == ["app.", "db.", "db=", "hydra", "schema=", "server/"]


def test_group_options_and_values() -> None:
    assert suggest("db=") == ["db=mysql", "db=postgresql"]
    assert suggest("db=p") == ["db=postgresql"]
    assert suggest("db.") == ["db.debug=", "db.driver="]
    assert suggest("db.driver=") == ["db.driver=mysql"]
    assert suggest("db.debug=") == ["db.debug=true"]


def test_add_and_delete_prefixes_complete_groups() -> None:
    assert suggest("+") == ["+db=", "+hydra", "+schema=", "+server/"]
    assert suggest("~") == ["~db", "~hydra", "~schema", "~server/"]


def test_failed_composition_still_completes_groups() -> None:
    assert suggest("", config=None) == ["db=", "hydra", "schema=", "server/"]


def test_paths_complete_from_the_filesystem(tmp_path: object) -> None:
    import os

    os.mkdir("conf")
    assert suggest("app.name=./") == ["app.name=./conf"]  # no trailing "/" for dirs (Hydra's rule)
    assert suggest("db=./c") == ["db=./conf"]  # a path value wins over the group's options


def test_query_parses_the_line_and_formats_per_shell() -> None:
    calls = []

    def compose(overrides: list[str], multirun: bool) -> object:
        calls.append((overrides, multirun))
        return CONFIG

    assert (
        completion.query("bash", compose, FakeRepository(), "python app.py -m db=mysql sc")
        == "schema="
    )
    assert calls == [(["db=mysql"], True)]
    assert (
        completion.query("fish", compose, FakeRepository(), "app db=") == "db=mysql\ndb=postgresql"
    )


def test_install_scripts() -> None:
    bash = completion.install_script("bash", "app.py")
    assert "complete -o nospace -o default -F hydra_bash_completion python" in bash
    assert "-sc query=bash" in bash
    assert completion.install_script("zsh", "/usr/bin/myapp").endswith(
        "hydra_bash_completion myapp\n"
    )
    fish = completion.install_script("fish", "app.py")
    assert "complete -c app.py -x -a '(hydra_fish_completion)'" in fish
    assert completion.uninstall_script("bash", "app.py").startswith("unset hydra_bash_completion\n")
    assert completion.uninstall_script("fish", "app.py").startswith("complete -e -c app.py\n")


def test_install_help_matches_hydra_layout() -> None:
    lines = completion.install_help("python app.py").splitlines()
    assert lines[:5] == [
        "    Bash - Install:",
        '    eval "$(python app.py -sc install=bash)"',
        "    Bash - Uninstall:",
        '    eval "$(python app.py -sc uninstall=bash)"',
        "",
    ]
    assert lines[5] == "    Fish - Install:" and lines[10] == "    Zsh - Install:"
