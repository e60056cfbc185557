"""Shell completion for apps (``-sc install=bash|zsh|fish``, ``uninstall=...``, ``query=...``).

The install scripts register a shell function that calls the app back with ``-sc query=<shell>`` and
the line being edited (``COMP_LINE``); the query composes the config with the words typed so far and
suggests config keys, config groups and group options.  zsh uses the bash script through
``bashcompinit``.  For ``python script.py`` the shell function first asks
:mod:`runlab.runtime.completion_static`, which reads the ``@main`` arguments from the script's source
and answers without importing the app (and whatever heavy libraries it imports); only when that is not
possible does it run the app with ``-sc query=<shell>``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["SHELLS", "install_help", "install_script", "query", "uninstall_script"]

SHELLS = ("bash", "fish", "zsh")
SUBCOMMANDS = ("install", "uninstall", "query")
_ZSH_NOTE = (
    "Zsh is compatible with the Bash shell completion, see the [documentation]"
    "(https://hydra.cc/docs/1.2/tutorials/basic/running_your_app/tab_completion#zsh-instructions)"
    " for details."
)


def install_help(executable: str) -> str:
    """The per-shell install/uninstall commands shown under ``-sc`` in ``--hydra-help``."""
    bash_install = f'eval "$({executable} -sc install=bash)"'
    bash_uninstall = f'eval "$({executable} -sc uninstall=bash)"'
    blocks = [
        ["Bash - Install:", bash_install, "Bash - Uninstall:", bash_uninstall],
        [
            "Fish - Install:",
            f"{executable} -sc install=fish | source",
            "Fish - Uninstall:",
            f"{executable} -sc uninstall=fish | source",
        ],
        ["Zsh - Install:", _ZSH_NOTE, bash_install, "Zsh - Uninstall:", bash_uninstall],
    ]
    return "\n".join("".join(f"    {line}\n" for line in block) for block in blocks)


def _command_name(argv0: str) -> str:
    """What the shell sees as the command: ``python`` for scripts, else the installed executable."""
    return "python" if argv0.endswith(".py") else os.path.basename(argv0)


def install_script(shell: str, argv0: str) -> str:
    if shell in ("bash", "zsh"):
        return _BASH_INSTALL.replace("@COMMAND@", _command_name(argv0))
    script = os.path.basename(argv0)
    python = os.path.basename(sys.executable)
    return (
        _FISH_FUNCTION + f"complete -c {python} -n '__fish_seen_subcommand_from {script}' -x -a"
        " '(hydra_fish_completion)'\n" + f"complete -c {script} -x -a '(hydra_fish_completion)'\n"
    )


def uninstall_script(shell: str, argv0: str) -> str:
    if shell in ("bash", "zsh"):
        return (
            "unset hydra_bash_completion\n"
            'if [ -n "$_HYDRA_OLD_COMP" ]; then eval "$_HYDRA_OLD_COMP"; fi\n'
            "unset _HYDRA_OLD_COMP\n"
        )
    return f"complete -e -c {os.path.basename(argv0)}\nfunction hydra_fish_completion\nend\n"


_BASH_INSTALL = r"""export _HYDRA_OLD_COMP=$(complete -p @COMMAND@ 2> /dev/null)
hydra_bash_completion()
{
    local words=($COMP_LINE)
    local helper choices
    if [ "${words[0]}" == "python" ] || [ "${words[0]}" == "python3" ]; then
        (( ${#words[@]} < 2 )) && return
        [ -f "${words[1]}" ] || return
        grep -q -e "@hydra.main" -e "@runlab.main" -e "main(" "${words[1]}" || return
        helper="${words[0]} ${words[1]}"
        # answer from the script's source when possible (no app imports); status 3 = run the app
        choices=$(COMP_LINE=$COMP_LINE ${words[0]} -m runlab.runtime.completion_static \
            "${words[1]}" bash 2> /dev/null)
        local static_status=$?
    else
        helper="${words[0]}"
        local static_status=1
    fi
    if [ $static_status -ne 0 ]; then
        choices=$(COMP_POINT=$COMP_POINT COMP_LINE=$COMP_LINE $helper -sc query=bash 2> /dev/null)
    fi
    local word=${words[$COMP_CWORD]}
    if [ "$HYDRA_COMP_DEBUG" == "1" ]; then
        printf "\nCOMP_LINE='%s'\nCOMP_POINT='%s'\nWord='%s'\nOutput suggestions:\n" \
            "$COMP_LINE" "$COMP_POINT" "$word"
        printf "\t%s\n" $choices
    fi
    COMPREPLY=($(compgen -o nospace -o default -W "$choices" -- "$word"))
}

COMP_WORDBREAKS=${COMP_WORDBREAKS//=}
COMP_WORDBREAKS=$COMP_WORDBREAKS complete -o nospace -o default -F hydra_bash_completion @COMMAND@
"""

_FISH_FUNCTION = """function hydra_fish_completion
    # the app reads COMP_LINE to compute its suggestions
    set -lx COMP_LINE (commandline -cp)
    set -l parts (commandline -cpo)
    if test "$parts[1]" = "python" -o "$parts[1]" = "python3"
        set cmd "$parts[1] $parts[2]"
        if not grep -q -e "@hydra.main" -e "@runlab.main" -e "main(" $parts[2]
            return
        end
        # answer from the script's source when possible (no app imports); status 3 = run the app
        $parts[1] -m runlab.runtime.completion_static $parts[2] fish 2> /dev/null
        and return
    else
        set cmd "$parts[1]"
    end
    eval "$cmd -sc query=fish"
end

"""


def _strip_command(words: list[str]) -> list[str]:
    if words and os.path.basename(words[0]).startswith("python"):
        return words[2:]
    return words[1:]


def _is_path_value(value: str) -> bool:
    return value.startswith(("/", "./", ".", "\\", ".\\")) or (
        len(value) >= 2 and value[1] == ":" and value[0].isalpha()
    )


def _complete_files(key: str, value: str) -> list[str]:
    directory, _, prefix = value.rpartition("/")
    listing_dir = directory or "."
    if value.startswith("/") and not directory:
        listing_dir = "/"
    try:
        names = sorted(os.listdir(os.path.expanduser(listing_dir)))
    except OSError:
        return []
    base = f"{directory}/" if directory or value.startswith("/") else ""
    results = []
    for name in names:
        if name.startswith(prefix):
            full = os.path.join(listing_dir, name)
            results.append(f"{key}={base}{name}{'/' if os.path.isdir(full) else ''}")
    return results


def _group_suggestions(repository: Any, word: str, prefix: str, deletion: bool) -> list[str]:
    parent = word.rpartition("/")[0]
    results = []
    for group in repository.list_groups(parent):
        path = f"{parent}/{group}" if parent else group
        has_configs = bool(repository.get_group_options(path))
        has_groups = bool(repository.list_groups(path))
        if has_configs and has_groups:
            suffix = ""
        elif has_groups:
            suffix = "/"
        else:
            suffix = "" if deletion else "="
        results.append(f"{prefix}{path}{suffix}")
    return results


def _key_suggestions(config: Any, word: str) -> list[str]:
    from omegaconf import DictConfig, OmegaConf

    parent, _, _ = word.rpartition(".")
    node = OmegaConf.select(config, parent) if parent else config
    if not isinstance(node, DictConfig):
        return []
    results = []
    for key in node:
        full = f"{parent}.{key!s}" if parent else str(key)
        child = node._get_node(key)
        results.append(f"{full}." if isinstance(child, DictConfig) else f"{full}=")
    return results


def _value_suggestions(config: Any, repository: Any, key: str, value: str) -> list[str]:
    from omegaconf import OmegaConf

    bare_key = key.lstrip("+~")
    group = bare_key.split("@", 1)[0]
    if repository.group_exists(group):
        return [f"{key}={option}" for option in repository.get_group_options(group)]
    if _is_path_value(value):
        return _complete_files(key, value)
    if config is None:
        return []
    current = OmegaConf.select(config, bare_key, throw_on_missing=False, default=None)
    if current is None:
        return []
    if isinstance(current, bool):
        return [f"{key}={str(current).lower()}"]
    return [f"{key}={current}"]


def suggestions(
    config: Any, repository: Any, complete_words: Sequence[str], word: str
) -> list[str]:
    """Suggestions for ``word`` given a composed config (None if composition failed) and the groups."""
    del complete_words  # composition already used them
    if "=" in word:
        key, _, value = word.partition("=")
        found = _value_suggestions(config, repository, key, value)
    elif word.startswith(("+", "~")):
        prefix = word[:2] if word.startswith("++") else word[:1]
        found = _group_suggestions(repository, word[len(prefix) :], prefix, prefix == "~")
    else:
        found = _group_suggestions(repository, word, "", False)
        if config is not None:
            found += _key_suggestions(config, word)
    return sorted({item for item in found if item.startswith(word)})


def parse_query_line(line: str) -> tuple[list[str], str, bool]:
    """Split ``COMP_LINE`` into complete override words, the partial word, and whether ``-m`` was given."""
    words = line.split(" ")
    partial = words[-1] if words else ""
    complete = [w for w in _strip_command(words[:-1]) if w]
    multirun = any(w in ("-m", "--multirun") for w in complete)
    overrides = [w for w in complete if not w.startswith("-")]
    return overrides, partial, multirun


def query(shell: str, compose: Any, repository: Any, line: str | None = None) -> str:
    """Output for ``-sc query=<shell>``; ``compose(overrides, multirun)`` returns a config or raises."""
    line = os.environ.get("COMP_LINE", "") if line is None else line
    overrides, partial, multirun = parse_query_line(line)
    try:
        config = compose(overrides, multirun)
    except Exception:  # noqa: BLE001 - a broken command line still gets group completions
        config = None
    found = suggestions(config, repository, overrides, partial)
    separator = "\n" if shell == "fish" else " "
    return separator.join(found)
