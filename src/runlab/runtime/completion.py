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
from collections.abc import Callable, Sequence
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


# ---------------------------------------------------------------------------------------------- file paths

_PATH_PREFIXES = (".", "/", "\\", "./", ".\\")


def _file_word(word: str) -> tuple[str, str] | None:
    """``(key=, path)`` when the value after the word's *last* ``=`` looks like a path, else None.

    Hydra tests this before anything else, so ``db=./`` completes files even though ``db`` is a group.
    """
    key_eq, sep, value = word.rpartition("=")
    if not sep or not value:
        return None
    prefixes = _PATH_PREFIXES
    if sys.platform.startswith("win"):
        prefixes += tuple(f"{chr(drive)}:" for drive in range(ord("a"), ord("z")))
    if value.lower().startswith(prefixes):
        return key_eq + sep, value
    return None


def _complete_files(path: str) -> list[str]:
    """Entries of the directory ``path`` names (or of its parent, filtered by the last component).

    Directories get no trailing ``/``, as in Hydra: the next TAB lists their content.
    """
    if os.path.isdir(path):
        directory, name_prefix = path, ""
    else:
        directory, name_prefix = os.path.dirname(path), os.path.basename(path)
    try:
        names = os.listdir(directory) if os.path.isdir(directory) else []
    except OSError:
        names = []
    return [os.path.join(directory, name) for name in names if name.startswith(name_prefix)]


# ---------------------------------------------------------------------------------------------- config groups


def _group_matches(repository: Any, word: str) -> tuple[list[str], bool]:
    """Group (``db=``, ``server/``) or option (``db=mysql``) suggestions, and whether ``word`` named a
    group with options (then config keys are not looked at, and the config need not be composed).

    Only one ``+`` or ``~`` is recognised as a prefix, so ``++`` completes nothing (Hydra's rule).
    """
    prefix = word[0] if word.startswith(("+", "~")) else ""
    rest = word[len(prefix) :]
    deletion = prefix == "~"
    found: list[str] = []
    if "=" in rest:
        parent = rest[: rest.rfind("=")]
        options = repository.get_group_options(parent)
        for option in options:
            name = f"{parent}={option}" if parent else option
            if name.startswith(rest):
                found.append(name)
        return [prefix + name for name in found], bool(options)
    parent = rest[: rest.rfind("/")] if "/" in rest else ""
    for group in repository.list_groups(parent):
        name = f"{parent}/{group}" if parent else group
        if not name.startswith(rest):
            continue
        has_options = bool(repository.get_group_options(name))
        has_groups = bool(repository.list_groups(name))
        if has_options and not has_groups and not deletion:
            name += "="
        elif has_groups and not has_options:
            name += "/"
        found.append(prefix + name)
    return found, False


# ---------------------------------------------------------------------------------------------- config keys


def _config_matches(config: Any, word: str) -> list[str]:
    """Keys (``db.user=``, ``db.``) and current values (``db.user=omry``) of the composed config.

    A value is offered only for a word ending in ``=``; a word ending in ``.`` or ``=`` on a node lists
    its children (so ``app=`` on a dict node gives ``app=name=`` -- Hydra's rule, kept for fidelity).
    """
    from omegaconf import DictConfig, ListConfig, MissingMandatoryValue, OmegaConf

    def shown(key: Any, value: Any) -> str:
        return f"{key}." if OmegaConf.is_config(value) else f"{key}="

    if config is None:
        return []
    if word.endswith((".", "=")):
        try:
            node = OmegaConf.select(config, word[:-1], throw_on_missing=True)
        except MissingMandatoryValue:
            node = ""
        if node is None:
            return []
        if OmegaConf.is_config(node):
            found = _config_matches(node, "")
        else:
            found = [str(node).lower() if isinstance(node, bool) else str(node)]
        return [f"{word}{match}" for match in found]
    base, dot, partial = word.rpartition(".")
    if dot:
        node = OmegaConf.select(config, base)
        return [f"{base}.{match}" for match in _config_matches(node, partial)]
    matches: list[str] = []
    if isinstance(config, DictConfig):
        for key, value in config.items_ex(resolve=False):
            if str(key).startswith(word):
                matches.append(shown(key, value))
    elif isinstance(config, ListConfig):
        for index in range(len(config)):
            try:
                value = config[index]
            except MissingMandatoryValue:
                matches.append(shown(index, ""))
                continue
            if str(index).startswith(word):
                matches.append(shown(index, value))
    return matches


def suggest(load_config: Callable[[], Any], repository: Any, word: str) -> list[str]:
    """Hydra's suggestions for ``word``: file paths, else groups/options plus config keys/values.

    ``load_config()`` composes the config with the words already typed (None if that fails); it is
    called only when ``word`` is not a group's ``name=`` (Hydra composes only then too).
    """
    file_word = _file_word(word)
    if file_word is not None:
        key_eq, path = file_word
        return sorted({key_eq + name for name in _complete_files(path)})
    groups, named_a_group = _group_matches(repository, word)
    keys: list[str] = []
    if not named_a_group:
        try:
            keys = _config_matches(load_config(), word)
        except Exception:  # noqa: BLE001 - an unresolvable node offers nothing (Hydra: a traceback)
            keys = []
    return sorted(set(groups + keys))


def suggestions(
    config: Any, repository: Any, complete_words: Sequence[str], word: str
) -> list[str]:
    """Suggestions for ``word`` given an already composed config (None if composition failed)."""
    del complete_words  # composition already used them
    return suggest(lambda: config, repository, word)


def parse_query_line(line: str) -> tuple[list[str], str, bool]:
    """Split ``COMP_LINE`` into the overrides typed so far, the word being completed, and ``-m``.

    The words after the command are parsed with the app's own flags (``-cn NAME`` is a flag and its
    value, not two overrides); the word being completed is the last override unless the line ends in
    a space.  A line argparse rejects exits with its usage message, like Hydra's query.
    """
    from runlab.runtime.argv import parse_argv

    words = _strip_command(line.split())
    invocation = parse_argv(words)
    overrides = list(invocation.overrides)
    if line.endswith(" ") or not line.strip() or not overrides:
        return overrides, "", invocation.multirun
    return overrides[:-1], overrides[-1], invocation.multirun


def _with_searchpath_setting(
    repository: Any, config_name: str | None, parsed: Sequence[Any]
) -> Any:
    """The repository extended by ``hydra.searchpath`` (primary config or command line), so groups
    from those entries complete too -- as Hydra's query lists them even when composition fails."""
    import warnings

    from runlab.config.repository import ConfigRepository
    from runlab.config.searchpath import apply_searchpath_setting

    entries = getattr(repository, "entries", None)
    if entries is None:
        return repository
    try:
        loaded = repository.load_config(config_name) if config_name is not None else None
        primary = loaded.config if loaded is not None else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # composition reports unavailable entries itself
            extended = apply_searchpath_setting(entries, primary, parsed)
    except Exception:  # noqa: BLE001 - a broken primary config: complete from the plain path
        return repository
    return repository if extended == tuple(entries) else ConfigRepository(extended)


def query(
    shell: str,
    compose: Any,
    repository: Any,
    line: str | None = None,
    *,
    config_name: str | None = None,
) -> str:
    """Output for ``-sc query=<shell>``; ``compose(overrides, multirun)`` returns a config or raises.

    ``config_name`` (the app's primary config) lets ``hydra.searchpath`` set there add groups.
    """
    line = os.environ.get("COMP_LINE", "") if line is None else line
    overrides, partial, multirun = parse_query_line(line)
    from runlab.config.overrides import parse_override

    # a malformed word fails the query with the parser's message; a sweep outside multirun fails
    # composition (Hydra's "Ambiguous value"), so only groups are offered
    parsed = [parse_override(override) for override in overrides]
    sweeping_without_multirun = not multirun and any(o.is_sweep_override() for o in parsed)
    repository = _with_searchpath_setting(repository, config_name, parsed)

    def load_config() -> Any:
        if sweeping_without_multirun:
            return None
        try:
            return compose(overrides, multirun)
        except Exception:  # noqa: BLE001 - a broken command line still gets group completions
            return None

    found = suggest(load_config, repository, partial)
    separator = "\n" if shell == "fish" else " "
    return separator.join(found)
