"""Passphrases of encrypted inspection files on the command line: asked at the terminal with getpass
(never echoed), or, for scripts, read from the environment variable FILEEXAM_PASSPHRASE (and, for the
new passphrase of `fileexam rekey`, FILEEXAM_NEW_PASSPHRASE).

A passphrase lives in memory for one command and is never written anywhere: not to settings, a log, the
audit trail, an exception's text or a repr. What a command keeps while it runs is the key derived from
it (sqlite.CipherKey), by the file's salt, so that a file opened twice in one command is asked for once.
A new passphrase is asked twice and must be at least sqlite.MIN_PASSPHRASE characters long.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable, TypeVar

from fileexam.store.errors import StoreError
from fileexam.store.file_check import NeedsPassphrase, WrongPassphrase
from fileexam.store.sqlite import MIN_PASSPHRASE, CipherKey, derive, passphrase_problem

ENV_VAR = "FILEEXAM_PASSPHRASE"
NEW_ENV_VAR = "FILEEXAM_NEW_PASSPHRASE"
ASK_TIMES = 3
T = TypeVar("T")


class PassphraseError(StoreError):
    """No acceptable passphrase could be had. The text never holds the passphrase."""


def _interactive() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):  # a closed stdin
        return False


def _getpass(prompt: str) -> str:
    import getpass

    return getpass.getpass(prompt)


def new_passphrase(what: str = "to encrypt the inspection file with", environ: dict | None = None,
                   ask: Callable[[str], str] | None = None, interactive: bool | None = None,
                   env_var: str = ENV_VAR) -> str:
    """A new passphrase: `env_var` when set, else asked twice at the terminal (not shown)."""
    environ = os.environ if environ is None else environ
    given = environ.get(env_var)
    if given is not None:
        problem = passphrase_problem(given)
        if problem:
            raise PassphraseError(f"{env_var}: {problem}; nothing was changed")
        return given
    if not (_interactive() if interactive is None else interactive):
        raise PassphraseError(f"a passphrase is needed: run the command in a terminal (it asks for one), or set "
                              f"the environment variable {env_var}; nothing was changed")
    ask = ask or _getpass
    problem = "no passphrase given"
    for _ in range(ASK_TIMES):
        first = ask(f"Passphrase {what} (at least {MIN_PASSPHRASE} characters, not shown): ")
        problem = passphrase_problem(first)
        if problem:
            print(f"Not used: {problem}.", file=sys.stderr)
            continue
        if ask("The same passphrase again: ") != first:
            problem = "the two passphrases differ"
            print("Not used: the two passphrases differ. Start again.", file=sys.stderr)
            continue
        return first
    raise PassphraseError(f"{problem}; nothing was changed")


class TerminalKeys:
    """The keys of the encrypted inspection files one command opens, in memory only, by salt.

    `open(path, open_with)` calls open_with(None); on NeedsPassphrase it asks the passphrase (or reads
    FILEEXAM_PASSPHRASE), derives the key once, and calls open_with(key); a wrong passphrase is asked
    again at the terminal (up to ASK_TIMES), and refused at once when it came from the variable."""

    def __init__(self, environ: dict | None = None, ask: Callable[[str], str] | None = None,
                 interactive: bool | None = None):
        self.environ = os.environ if environ is None else environ
        self.ask = ask or _getpass
        self.interactive = _interactive() if interactive is None else interactive
        self._by_salt: dict[bytes, CipherKey] = {}
        self._by_path: dict[str, CipherKey] = {}

    def known(self, path: Path | str) -> CipherKey | None:
        """The key that opened `path` in this command, if it did."""
        return self._by_path.get(str(Path(path).resolve()))

    def forget(self) -> None:
        self._by_salt.clear()
        self._by_path.clear()

    def passphrase(self, path: Path, again: bool = False) -> str:
        given = self.environ.get(ENV_VAR)
        if given is not None:
            return given
        if not self.interactive:
            raise PassphraseError(f"{path} is encrypted (or it is not an inspection file at all): run the command "
                                  f"in a terminal to be asked its passphrase, or set the environment variable "
                                  f"{ENV_VAR}; nothing was changed")
        prompt = (f"Wrong passphrase for {path.name}: nothing was changed. Its passphrase (not shown; "
                  "passphrases are case-sensitive): " if again else f"Passphrase of {path.name} (not shown): ")
        return self.ask(prompt)

    def open(self, path: Path | str, open_with: Callable[[CipherKey | None], T],
             hint: Callable[[CipherKey], str] | None = None) -> T:
        path = Path(path)
        try:
            return open_with(self.known(path))
        except NeedsPassphrase as need:
            salt = need.salt
        known = self._by_salt.get(salt)
        if known is not None:
            try:
                return self._opened(path, salt, known, open_with(known))
            except WrongPassphrase:
                pass
        from_variable = self.environ.get(ENV_VAR) is not None
        tries = 1 if from_variable or not self.interactive else ASK_TIMES
        last = None
        for attempt in range(tries):
            passphrase = self.passphrase(path, again=attempt > 0)
            if not passphrase:
                break
            key = derive(passphrase, salt)
            del passphrase
            try:
                return self._opened(path, salt, key, open_with(key))
            except WrongPassphrase:
                last = key
        said = [f"It came from {ENV_VAR}."] if from_variable else []
        if hint is not None and last is not None:
            said.append(hint(last))
        raise WrongPassphrase(path, " ".join(s for s in said if s)) from None

    def _opened(self, path: Path, salt: bytes, key: CipherKey, result: T) -> T:
        self._by_salt[salt] = key
        self._by_path[str(path.resolve())] = key
        return result


def damaged_hint(path: Path, backup_root: Path | None) -> Callable[[CipherKey], str]:
    """After a wrong passphrase: a damaged first page says "not a database" too. If the same passphrase
    opens the newest good backup, the file itself may be damaged: say so, with the way back."""
    def hint(key: CipherKey) -> str:
        if backup_root is None:
            return ""
        from fileexam.store.backups import latest_good
        try:
            found = latest_good(path, backup_root, key)
        except (OSError, StoreError):
            return ""
        if found is None:
            return ""
        n, backup = found
        return (f"But it opens backup {n} ({backup.stem}), so {path.name} itself may be damaged: bring that "
                f"backup back with  fileexam restore \"{path}\" --from {n}")
    return hint
