"""Compile forms/*.ui to fileexam/qt/ui/ui_*.py with pyside6-uic, then drop the PySide6 names it imports
but never uses: PySide6 builds each class (and all its enums) the first time a name is imported, and the
unused ones uic lists (gradients, fonts database, cursor, image...) cost ~10 ms of every start-up.

    python scripts/compile_forms.py            # regenerate every form
    python scripts/compile_forms.py --check    # exit 1 if a generated form is stale (tests run this)
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTE = "## Unused PySide6 imports dropped by scripts/compile_forms.py (each costs start-up time)\n"


def _uic() -> Path:
    folder = Path(sys.executable).parent
    for name in ("pyside6-uic", "pyside6-uic.exe"):
        if (folder / name).exists():
            return folder / name
    raise SystemExit(f"pyside6-uic not found beside {sys.executable}: install PySide6 in this environment")


def prune(source: str) -> str:
    """uic's output with each `from PySide6.X import (...)` cut to the names the rest of the module uses."""
    tree = ast.parse(source)
    imports = [n for n in tree.body if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("PySide6")]
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    lines = source.splitlines(keepends=True)
    out, at = [], 0
    for node in imports:
        out += lines[at:node.lineno - 1]
        keep = [a.name for a in node.names if (a.asname or a.name) in used]
        if keep:
            text = f"from {node.module} import ({', '.join(keep)})"
            out.append("\n".join(textwrap.wrap(text, 100, subsequent_indent="    ", break_long_words=False)) + "\n")
        at = node.end_lineno
    out += lines[at:]
    text = "".join(out)
    first = text.find("from PySide6")
    return text if first < 0 else text[:first] + NOTE + text[first:]  # (none left: no note either)


def compile_form(ui: Path) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.py"
        subprocess.run([str(_uic()), str(ui), "-o", str(raw)], check=True)
        return prune(raw.read_text(encoding="utf-8"))


def _comparable(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if not ln.startswith("## Created by")]  # uic's version line


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only say whether the generated forms are up to date")
    args = ap.parse_args(argv)
    stale = []
    for ui in sorted((ROOT / "forms").glob("*.ui")):
        target = ROOT / "fileexam/qt/ui" / f"ui_{ui.stem}.py"
        fresh = compile_form(ui)
        if args.check:
            if not target.exists() or _comparable(target.read_text(encoding="utf-8")) != _comparable(fresh):
                stale.append(f"{target.relative_to(ROOT)} is stale: run  python scripts/compile_forms.py")
        else:
            target.write_text(fresh, encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)}")
    print("\n".join(stale) or ("forms up to date" if args.check else ""), file=sys.stderr if stale else sys.stdout)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
