"""scripts/third_party_notices.py: THIRD-PARTY-NOTICES.txt from the installed distributions' metadata, plus
the licences no metadata carries (Qt's LGPL, SQLCipher's, OpenSSL's when a bundled binary links it)."""

from __future__ import annotations

import importlib.metadata as md
import sys
from pathlib import Path

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from third_party_notices import write_notices  # noqa: E402


def test_lists_each_bundled_package_with_its_declared_licence_and_texts(tmp_path):
    out = tmp_path / "THIRD-PARTY-NOTICES.txt"
    listed = write_notices(out, ["yaml", "yaml.loader", "PySide6.QtCore", "sqlcipher3.dbapi2", "numpy", "os",
                                 "fileexam.cli"], app_version="9.9")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("Third-party software in this copy of fileexam 9.9")
    assert set(listed["distributions"]) == {"PyYAML", "PySide6_Essentials", "PySide6_Addons", "sqlcipher3", "numpy"}
    assert "fileexam" not in listed["distributions"]  # its own licence is not a third party's
    yaml_dist = md.distribution("PyYAML")
    assert f"PyYAML {yaml_dist.version}: MIT" in text
    yaml_licence = next(f for f in yaml_dist.files if "LICENSE" in str(f))
    assert Path(yaml_dist.locate_file(yaml_licence)).read_text().strip() in text  # the text in full
    assert f"numpy {md.version('numpy')}: {md.metadata('numpy')['License-Expression']}" in text
    # what no metadata carries
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in text and "GNU GENERAL PUBLIC LICENSE" in text
    assert "Neither the name of the ZETETIC LLC" in text
    assert "A. HISTORY OF THE SOFTWARE" in text  # Python's own LICENSE.txt
    assert text.count("GNU LESSER GENERAL PUBLIC LICENSE\n") == 1  # once, though two packages carry Qt


def test_openssl_found_in_the_binaries_that_link_it_and_system_libraries_named(tmp_path):
    import sqlcipher3

    ext = next(Path(sqlcipher3.__file__).parent.glob("_sqlite3*"))
    other = tmp_path / "libelsewhere.so.1"
    other.write_bytes(b"\0" * 64)
    listed = write_notices(tmp_path / "n.txt", ["sqlcipher3"],
                           [(f"sqlcipher3/{ext.name}", str(ext)), ("libelsewhere.so.1", str(other))])
    text = (tmp_path / "n.txt").read_text(encoding="utf-8")
    version = listed["openssl"][f"sqlcipher3/{ext.name}"]
    assert f"OpenSSL {version}, inside sqlcipher3/{ext.name}: Apache-2.0" in text
    assert version.encode() in ext.read_bytes()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert listed["system"] == [("libelsewhere.so.1", str(tmp_path))]  # from neither a package nor Python
    assert f"libelsewhere.so.1  (from {tmp_path})" in text
