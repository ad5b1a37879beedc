"""Passwords for encrypted workbooks: where they come from, and how long they live.

A password is taken from the environment variable FILEEXAM_WORKBOOK_PASSWORD (for scripts) or asked at
the terminal with getpass (never echoed). It lives in memory for one command (or, in the app, while a
dialog is open) and is never written anywhere: not to settings, a log, the audit trail, an exception's
text or a repr. What the audit records is that a workbook was encrypted, never the password.

Encrypting asks twice; the two must match and be at least MIN_LENGTH characters. Reading asks once and
tries that password on every encrypted workbook of the command; a workbook it does not open is asked
about again (at a terminal) or refused with "wrong password" (without one). A workbook encrypted
elsewhere (by Excel, with a shorter password) is read whatever its password's length.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable, Iterable, Iterator

ENV_VAR = "FILEEXAM_WORKBOOK_PASSWORD"
MIN_LENGTH = 10   # characters: three random words pass easily; an encrypted workbook travels by e-mail and
                  # can be attacked offline for as long as anyone likes
ASK_TIMES = 3     # tries at the terminal, for a new password or for one workbook


class PasswordError(Exception):
    """No acceptable password could be had. The text never holds the password."""


def new_password_problem(password: str) -> str | None:
    """Why a password cannot be used to encrypt, or None when it can."""
    if not password:
        return "the password is empty"
    if password != password.strip():
        return "the password starts or ends with a space (easily lost when it is passed on): remove it"
    if len(password) < MIN_LENGTH:
        return f"the password is shorter than {MIN_LENGTH} characters: use a longer one (three random words, say)"
    return None


def _interactive() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):  # a closed stdin
        return False


def _getpass(prompt: str) -> str:
    import getpass

    return getpass.getpass(prompt)


def new_password(environ: dict | None = None, ask: Callable[[str], str] | None = None,
                 interactive: bool | None = None) -> str:
    """The password to encrypt with: FILEEXAM_WORKBOOK_PASSWORD when set, else asked twice (not echoed)."""
    environ = os.environ if environ is None else environ
    given = environ.get(ENV_VAR)
    if given is not None:
        problem = new_password_problem(given)
        if problem:
            raise PasswordError(f"{ENV_VAR}: {problem}")
        return given
    if not (_interactive() if interactive is None else interactive):
        raise PasswordError(f"encrypting needs a password: run the command in a terminal (it asks for one), "
                            f"or set the environment variable {ENV_VAR}")
    ask = ask or _getpass
    problem = "no password given"
    for _ in range(ASK_TIMES):
        first = ask(f"Password to encrypt with (at least {MIN_LENGTH} characters, not shown): ")
        problem = new_password_problem(first)
        if problem:
            print(f"Not used: {problem}.", file=sys.stderr)
            continue
        if ask("The same password again: ") != first:
            problem = "the two passwords differ"
            print("Not used: the two passwords differ. Start again.", file=sys.stderr)
            continue
        return first
    raise PasswordError(f"nothing was encrypted: {problem}")


class Passwords:
    """Passwords to try on the encrypted workbooks one command reads, held in memory only.

    The workbook guard asks `candidates(path)` for passwords one at a time while each fails; the first
    that opens the workbook is reported back with `worked`, and is tried first on the next one."""

    __slots__ = ("_known", "_by_path", "_ask", "_tries", "missed")

    def __init__(self, given: Iterable[str] = (), ask: Callable[[str], str] | None = None, tries: int = ASK_TIMES,
                 by_path: dict | None = None):
        self._known = [p for p in given if p]
        self._by_path = {str(Path(k)): v for k, v in (by_path or {}).items() if v}
        self._ask = ask
        self._tries = tries
        self.missed: list[Path] = []   # encrypted workbooks no password was given for

    @classmethod
    def for_command(cls, environ: dict | None = None, interactive: bool | None = None,
                    ask: Callable[[str], str] | None = None) -> "Passwords":
        """FILEEXAM_WORKBOOK_PASSWORD when set (then nothing is asked: scripts do not hang), else asked at the
        terminal when there is one, else none (an encrypted workbook is then refused, saying so)."""
        environ = os.environ if environ is None else environ
        given = environ.get(ENV_VAR)
        if given:
            return cls([given])
        if _interactive() if interactive is None else interactive:
            return cls(ask=ask or _getpass)
        return cls()

    @property
    def interactive(self) -> bool:
        return self._ask is not None

    def prime(self, paths: Iterable[Path]) -> None:
        """Ask once, before work starts, when any of `paths` is encrypted and no password is known yet (so the
        question is not drawn over a progress bar)."""
        if self._known or self._ask is None:
            return
        from fileexam.formats.workbook_guard import is_encrypted

        names = [Path(p).name for p in paths if is_encrypted(Path(p))]
        if names:
            shown = names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more"
            password = self._ask(f"Password of the encrypted workbook{'s' if len(names) > 1 else ''} "
                                 f"({shown}; not shown): ")
            if password:
                self._known.append(password)

    def candidates(self, path: Path) -> Iterator[str]:
        """Passwords to try on `path`, best first; asks (at most `tries` times) once the known ones fail."""
        path = Path(path)
        tried = 0
        own = self._by_path.get(str(path))
        if own:
            tried += 1
            yield own
        for password in list(self._known):
            if password != own:
                tried += 1
                yield password
        if self._ask is None:
            if not tried:
                self.missed.append(path)
            return
        for i in range(self._tries):
            if tried:  # on a line of its own: a progress bar may be drawn on the current one
                prompt = f"\nWrong password for {path.name}. Its password (not shown; Enter to skip it): "
            else:
                prompt = f"\nPassword of the encrypted workbook {path.name} (not shown): "
            password = self._ask(prompt)
            if not password:
                if not tried:
                    self.missed.append(path)
                return
            tried += 1
            yield password

    def held(self, path: Path) -> tuple:
        """The passwords held for `path`, best first, without asking (what a merge's reading process tries)."""
        own = self._by_path.get(str(Path(path)))
        return tuple([own] if own else []) + tuple(p for p in self._known if p != own)

    def worked(self, path: Path, password: str) -> None:
        if password not in self._known:
            self._known.insert(0, password)

    def __repr__(self) -> str:  # never the passwords themselves
        return f"<Passwords: {len(self._known) + len(self._by_path)} held, asks={self._ask is not None}>"

    __str__ = __repr__

    def __reduce__(self):  # not pickled, not copied into another process
        raise TypeError("passwords are not pickled")


def candidates(password: "str | Passwords | None", path: Path) -> Iterator[str]:
    """What a reader was given, as passwords to try: a text is one; a Passwords its candidates; None none."""
    if password is None:
        return iter(())
    if isinstance(password, str):
        return iter((password,) if password else ())
    return password.candidates(path)


def worked(password: "str | Passwords | None", path: Path, used: str) -> None:
    if isinstance(password, Passwords):
        password.worked(path, used)
