"""THIRD-PARTY-NOTICES.txt for the built app folder: what it bundles besides fileexam, and their licences.

Made at build time by packaging/fileexam.spec from what PyInstaller actually put in the folder: each Python
module's top-level package is mapped to its installed distribution (importlib.metadata), whose declared
licence (License-Expression, License, or the classifiers) and licence files (LICENSE, COPYING, NOTICE...)
are written out in full. Parts that no package metadata declares are added from packaging/licenses/:
Qt (inside the PySide6 wheels, which ship no licence file), SQLCipher (inside sqlcipher3's extension),
OpenSSL (found by its version string inside the extension modules that link it statically), Python
itself (its LICENSE.txt) and PyInstaller's bootloader. Native libraries taken from the build machine's
system (on Linux; Windows and macOS builds take them from Python's installation) are listed by name and
origin: their licences are not in any metadata, and this file says so rather than guess.

    python scripts/third_party_notices.py OUT.txt [MODULE ...]   # by hand, for the named top-level modules
"""

from __future__ import annotations

import importlib.metadata as md
import re
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LICENSES = ROOT / "packaging" / "licenses"
OWN = {"fileexam"}
LICENCE_FILE = re.compile(r"(^|/)(licen[cs]e|copying|notice|authors)[^/]*$", re.IGNORECASE)
OPENSSL = re.compile(rb"OpenSSL (\d+\.\d+\.\d+[a-z]?)")

# What no package's metadata says, by the distribution it comes inside: (what, licence, texts, a note).
QT = ("Qt 6 libraries and plugins (The Qt Company)", "LGPL-3.0-only", ["LGPL-3.0.txt", "GPL-3.0.txt"],
      "Qt and PySide6 are used under the LGPL-3.0. They are separate shared libraries in this folder, so they "
      "can be replaced with a modified build of the same version. Their source code: "
      "https://download.qt.io/official_releases/qt/ and https://download.qt.io/official_releases/QtForPython/")
INSIDE = {
    "pyside6-essentials": QT, "pyside6-addons": QT, "shiboken6": QT,
    "sqlcipher3": ("SQLCipher (ZETETIC LLC) and SQLite (public domain), built into its extension module",
                   "BSD-3-Clause", ["SQLCipher.txt"], ""),
}


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_licence(dist: md.Distribution) -> str:
    meta = dist.metadata
    if meta.get("License-Expression"):
        return meta["License-Expression"]
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 80:
        return text
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    if classifiers:
        return "; ".join(classifiers)
    return "not declared in its metadata: see the licence text below" if text or licence_files(dist) else \
        "not declared in its metadata"


def licence_files(dist: md.Distribution) -> list:
    return sorted((f for f in dist.files or [] if LICENCE_FILE.search(str(f)) and not str(f).endswith(".py")),
                  key=str)


def distributions_for(modules) -> dict[str, md.Distribution]:
    """The installed distributions that provide these top-level modules (stdlib and fileexam left out)."""
    by_module = md.packages_distributions()
    found: dict[str, md.Distribution] = {}
    for module in sorted({m.split(".")[0] for m in modules}):
        for name in by_module.get(module, []):
            if _key(name) not in OWN and _key(name) not in found:
                found[_key(name)] = md.distribution(name)
    return dict(sorted(found.items()))


def openssl_in(binaries) -> dict[str, str]:
    """{binary's name: OpenSSL version} for the bundled binaries whose bytes name an OpenSSL release."""
    found = {}
    for name, source in binaries:
        path = Path(source)
        if path.suffix.lower() not in (".so", ".pyd", ".dll", ".dylib") and ".so." not in path.name:
            continue
        if path.stat().st_size > 40_000_000 or not re.search(r"ssl|crypt|sqlcipher|_rust|_sqlite", path.name, re.I):
            continue
        hit = OPENSSL.search(path.read_bytes())
        if hit:
            found[name] = hit.group(1).decode()
    return found


def _site_dirs() -> list[Path]:
    dirs = {Path(p).resolve() for p in sys.path if p and "site-packages" in p}
    dirs.add(Path(sysconfig.get_paths()["purelib"]).resolve())
    return sorted(dirs)


def system_binaries(binaries) -> tuple[list[tuple[str, str]], int]:
    """(name, folder) of the bundled native libraries that come from neither an installed Python package
    nor Python's own installation; and how many came from Python's installation (under its licence)."""
    sites, python = _site_dirs(), Path(sys.base_prefix).resolve()
    out, from_python = set(), set()
    for name, source in binaries:
        src = Path(source).resolve()
        if any(src.is_relative_to(s) for s in sites):
            continue
        if src.is_relative_to(python):
            from_python.add(name)
        else:
            out.add((Path(name).name, str(src.parent)))
    return sorted(out), len(from_python)


def python_licence() -> Path | None:
    for candidate in (Path(sys.base_prefix) / "LICENSE.txt",
                      Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"):
        if candidate.is_file():
            return candidate
    return None


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace").rstrip() + "\n"


def write_notices(out: Path, modules, binaries=(), app_version: str = "") -> dict:
    """Writes the notices; `binaries` are (name in the folder, source path). Returns what it listed."""
    dists = distributions_for(modules)
    ssl = openssl_in(binaries)
    system, from_python = system_binaries(binaries)
    rule = "=" * 78
    head = [f"Third-party software in this copy of fileexam {app_version}".rstrip(), rule, "",
            "fileexam bundles Python and the libraries below. Each is listed with the licence its package",
            "declares, then each package's own licence files in full. Made when this folder was built, from",
            "the packages PyInstaller put into it (scripts/third_party_notices.py).", "",
            f"Python {sys.version.split()[0]} (Python Software Foundation License; its LICENSE.txt is below)"
            + (f", with {from_python} of its own extension modules and libraries" if from_python else "")]
    for key, dist in dists.items():
        head.append(f"{dist.metadata['Name']} {dist.version}: {declared_licence(dist)}")
        if key in INSIDE:
            what, licence, _, _ = INSIDE[key]
            head.append(f"    contains {what}: {licence}")
    for name, version in sorted(ssl.items()):
        head.append(f"OpenSSL {version}, inside {name}: Apache-2.0")
    head.append("PyInstaller's bootloader (the fileexam executable's start-up code): GPL-2.0-or-later with "
                "the bootloader exception, which allows any licence for the program it starts")
    if system:
        head += ["", "Native libraries taken from the build machine's system (their licences are those of their",
                 "projects; no package metadata records them, so they are named here and not guessed):"]
        head += [f"    {name}  (from {folder})" for name, folder in system]

    body: list[str] = []
    added: set[str] = set()

    def section(title: str, text: str) -> None:
        body.extend(["", rule, title, rule, "", text])

    py = python_licence()
    section("Python", _text(py) if py else "Python's LICENSE.txt was not found on the build machine: see "
                                            "https://docs.python.org/3/license.html\n")
    for key, dist in dists.items():
        files = licence_files(dist)
        if files:
            for f in files:
                section(f"{dist.metadata['Name']} {dist.version}: {f}", _text(Path(dist.locate_file(f))))
        elif key not in INSIDE:
            section(f"{dist.metadata['Name']} {dist.version}",
                    f"The package carries no licence file; it declares: {declared_licence(dist)}\n")
        if key in INSIDE:
            what, licence, texts, note = INSIDE[key]
            for name in texts:
                if name not in added:
                    added.add(name)
                    section(f"{name.removesuffix('.txt')}, for {what}", (note + "\n\n" if note else "")
                            + _text(LICENSES / name))
    if ssl and "Apache-2.0.txt" not in added:
        section("Apache-2.0 (OpenSSL)", _text(LICENSES / "Apache-2.0.txt"))
    try:
        pyinstaller = md.distribution("pyinstaller")
        for f in licence_files(pyinstaller):
            section(f"PyInstaller {pyinstaller.version}: {f}", _text(Path(pyinstaller.locate_file(f))))
    except md.PackageNotFoundError:
        pass
    out.write_text("\n".join(head + body) + "\n", encoding="utf-8")
    return {"distributions": [d.metadata["Name"] for d in dists.values()], "openssl": ssl, "system": system}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    listed = write_notices(Path(args[0]), args[1:] or ["PySide6", "sqlcipher3", "numpy", "matplotlib"])
    print(f"Wrote {args[0]}: {len(listed['distributions'])} package(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
