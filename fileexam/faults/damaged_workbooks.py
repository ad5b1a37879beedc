"""Exchange workbooks damaged in the file or its XML: truncated, bytes flipped, parts missing or doubled, far
cells and huge dimensions, deep or odd XML, DOCTYPEs, zip bombs, lying zip headers, not a workbook at all."""

from __future__ import annotations

import random
from pathlib import Path

STRUCTURE_KINDS = ["truncated", "byte-flip", "xml-damage", "missing-part", "corner-cell", "huge-dimension",
                   "no-r-attributes", "rows-out-of-order", "deep-xml", "odd-xml", "doctype", "zip-bomb",
                   "stored-member", "many-members", "sheet-elsewhere", "duplicate-member", "not-a-workbook",
                   "zip-flags"]


def _members(path: Path) -> list[list]:
    import zipfile
    with zipfile.ZipFile(path) as z:
        return [[i.filename, z.read(i.filename)] for i in z.infolist()]


def _write_zip(members, out: Path, stored: set | None = None, compression=None) -> None:
    import warnings
    import zipfile
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point of one kind
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED if compression is None else compression) as z:
            for name, data in members:
                if stored and name in stored:
                    z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_STORED)
                else:
                    z.writestr(name, data)


def _parts(path: Path) -> dict[str, str]:
    import zipfile

    from fileexam.formats.xlsx_cells import workbook_parts
    with zipfile.ZipFile(path) as z:
        return workbook_parts(z)[0]


CORNER = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


def _far_cells(rng: random.Random) -> bytes:
    row, ref = rng.choice([(1048576, "XFD1048576"), (1048576, "A1048576"), (2, "XFD2"), (1048577, "A1048577"),
                           (9, "AAAA9"), (70000, "ZZ70000")])
    return f'<row r="{row}"><c r="{ref}"><v>1</v></c></row>'.encode()


def _dimension(rng: random.Random) -> bytes:
    return rng.choice([b"A1:XFD1048576", b"A1:ZZZZ1", b"A1:A99999999999", b"garbage", b"", b"A1:C3:D4", b"XFD1048576",
                       b"A1:CV50000", b"$A$1:$XFD$1048576", b"A0:B0"])


def _bomb(cache: Path, name: str, megabytes: int, sheet: bool) -> Path:
    """A zip holding one honestly-declared member of `megabytes` MB (made once a run, streamed)."""
    import zipfile
    target = cache / f"bomb-{megabytes}-{int(sheet)}-{name.replace('/', '_')}.zip"
    if not target.exists():
        chunk = (b"<row><c><v>1</v></c></row>" * 40_330)[: 1 << 20] if sheet else b"\0" * (1 << 20)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            with z.open(name, "w", force_zip64=True) as fh:
                if sheet:
                    fh.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                             b'spreadsheetml/2006/main"><sheetData>')
                for _ in range(megabytes):
                    fh.write(chunk)
                if sheet:
                    fh.write(b"</sheetData></worksheet>")
    return target


def _structural(src: Path, out: Path, kind: str, rng: random.Random, cache: Path) -> str:
    """Damage to the file or its XML: returns what was done."""
    import re
    import shutil
    import zipfile

    data = src.read_bytes()
    members = _members(src)
    names = [m[0] for m in members]
    parts = _parts(src)
    sheet_name = rng.choice(["About", "Cases", "Answers", "Answers", "Definitions", "Grid"])
    sheet = parts[sheet_name]

    def member(name):
        return next(m for m in members if m[0] == name)

    def change(name, fn):
        m = member(name)
        m[1] = fn(m[1])

    if kind == "truncated":
        cut = rng.choice([rng.randrange(len(data)), rng.randrange(30), len(data) - rng.randint(1, 200)])
        out.write_bytes(data[:cut])
        return f"cut at byte {cut} of {len(data)}"
    if kind == "byte-flip":
        buf = bytearray(data)
        where = sorted(rng.randrange(len(buf)) for _ in range(rng.randint(1, 16)))
        for i in where:
            buf[i] ^= rng.randint(1, 255)
        out.write_bytes(bytes(buf))
        return f"bytes flipped at {where[:6]}"
    if kind == "not-a-workbook":
        import io
        choice = rng.choice(["empty", "text", "random", "sqlite", "pk-only", "ods", "ole", "content-types-only",
                             "nested-zip"])
        if choice == "ods":
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as z:
                z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
                z.writestr("content.xml", "<office:document-content/>")
            body = buf.getvalue()
        elif choice == "content-types-only":
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as z:
                z.writestr("[Content_Types].xml", member("[Content_Types].xml")[1])
            body = buf.getvalue()
        elif choice == "nested-zip":
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as z:
                z.writestr("inner.xlsx", data)
            body = buf.getvalue()
        else:
            body = {"empty": b"", "text": "Reference,Marker\n01AB1234567,A. Khan\n".encode(),
                    "random": rng.randbytes(rng.randint(1, 5000)), "sqlite": (cache / "master.bytes").read_bytes(),
                    "pk-only": b"PK\x03\x04", "ole": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000)}[choice]
        out.write_bytes(body)
        return choice
    if kind == "zip-flags":  # the encryption bit, or sizes that lie, in the zip's own directory
        _write_zip(members, out)
        buf = bytearray(out.read_bytes())
        target = rng.choice(names).encode()
        op = rng.choice(["encrypted", "size-smaller", "size-larger", "method"])
        i = buf.find(b"PK\x01\x02")
        while i != -1:
            n = int.from_bytes(buf[i + 28:i + 30], "little")
            if buf[i + 46:i + 46 + n] == target:
                local = int.from_bytes(buf[i + 42:i + 46], "little")
                if op == "encrypted":
                    buf[i + 8] |= 1
                    buf[local + 6] |= 1
                elif op == "method":
                    buf[i + 10:i + 12] = buf[local + 8:local + 10] = rng.choice([b"\x0c\x00", b"\x63\x00", b"\x01\x00"])
                else:
                    size = int.from_bytes(buf[i + 24:i + 28], "little")
                    new = max(size // 7, 1) if op == "size-smaller" else size * 1000 + 7
                    buf[i + 24:i + 28] = buf[local + 22:local + 26] = new.to_bytes(4, "little")
            i = buf.find(b"PK\x01\x02", i + 4)
        out.write_bytes(bytes(buf))
        return f"{op} on {target.decode()}"
    if kind == "zip-bomb":
        op = rng.choice(["unused-member", "sheet", "ratio-sheet", "ratio-strings"])
        if op in ("unused-member", "sheet"):
            name = "xl/media/image1.bin" if op == "unused-member" else sheet
            shutil.copyfile(_bomb(cache, name, 160, op == "sheet"), out)
            with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as z:
                for n, body in members:
                    if n != name:
                        z.writestr(n, body)
            return f"{op}: {name} unpacks to 160 MB"
        target = sheet if op == "ratio-sheet" else "xl/sharedStrings.xml"
        mb = rng.randint(2, 40)
        rows = b"<row><c><v>1</v></c></row>" * (mb * 40_000)
        change(target, lambda x: x.replace(b"</sheetData>", rows + b"</sheetData>") if b"</sheetData>" in x
               else x.replace(b"</sst>", b"<si><t>" + b"a" * (mb << 20) + b"</t></si></sst>"))
        _write_zip(members, out)
        return f"{op}: {target} padded with {mb} MB that packs to almost nothing"
    if kind == "stored-member":
        op = rng.choice(["noise", "noise", "everything-stored"])
        if op == "noise":
            size = rng.randint(1, 8) << 20
            members.append([f"xl/media/noise{rng.randint(1, 9)}.bin", rng.randbytes(size)])
            _write_zip(members, out, stored={members[-1][0]})
            return f"a stored incompressible member of {size >> 20} MB"
        _write_zip(members, out, compression=zipfile.ZIP_STORED)
        return "every member stored, none deflated"
    if kind == "many-members":
        count = rng.choice([rng.randint(900, 1000), rng.randint(1001, 3000), rng.randint(3000, 6000)])
        members += [[f"xl/media/m{i}.bin", b"x"] for i in range(count)]
        _write_zip(members, out)
        return f"{count} extra members"
    if kind == "missing-part":
        gone = rng.choice([sheet, "xl/workbook.xml", "_rels/.rels", "xl/_rels/workbook.xml.rels",
                           "xl/sharedStrings.xml", "[Content_Types].xml", "xl/styles.xml", rng.choice(names)])
        _write_zip([m for m in members if m[0] != gone], out)
        return f"{gone} left out"
    if kind == "duplicate-member":
        target = rng.choice([sheet, "xl/sharedStrings.xml", "xl/workbook.xml"])
        body = member(target)[1]
        bad = body.replace(b"</sheetData>", CORNER + b"</sheetData>") if b"</sheetData>" in body else \
            body.replace(b"<t>", b"<t>_xD800_", 3)
        first = rng.random() < 0.5
        i = names.index(target)
        members[i:i + 1] = [[target, bad], [target, body]] if first else [[target, body], [target, bad]]
        _write_zip(members, out)
        return f"{target} twice, the {'first' if first else 'second'} changed"
    if kind == "sheet-elsewhere":  # the workbook's index points a sheet at a part outside xl/worksheets/
        new = rng.choice(["xl/data/sheet9.xml", "xl/sheet9.xml", "sheet9.xml", "xl/worksheets/sheet9.bin",
                          "xl/worksheets2/sheet9.xml", "xl/media/sheet9.png"])
        content = rng.choice(["as-is", "corner-cell", "huge-dimension", "far-cell"])
        body = member(sheet)[1]
        if content == "corner-cell":
            body = body.replace(b"</sheetData>", CORNER + b"</sheetData>")
        elif content == "far-cell":
            body = body.replace(b"</sheetData>", _far_cells(rng) + b"</sheetData>")
        elif content == "huge-dimension":
            body = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + _dimension(rng) + b'"', body)
        member(sheet)[0:2] = [new, body]
        rel = sheet.split("xl/", 1)[1]
        target = b"/" + new.encode() if rng.random() < 0.5 or not new.startswith("xl/") else new[3:].encode()
        change("xl/_rels/workbook.xml.rels",
               lambda x: x.replace(b'Target="' + rel.encode() + b'"', b'Target="' + target + b'"'))
        _write_zip(members, out)
        return f"{sheet_name} moved to {new} ({content})"

    # The rest change the XML inside the parts.
    if kind == "corner-cell":
        change(sheet, lambda x: x.replace(b"</sheetData>", _far_cells(rng) + b"</sheetData>"))
        what = "a far cell"
    elif kind == "huge-dimension":
        dim = _dimension(rng)
        change(sheet, lambda x: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + dim + b'"', x))
        what = f"dimension {dim.decode()!r}"
    elif kind == "no-r-attributes":
        both = rng.random() < 0.5
        for name in (parts.values() if rng.random() < 0.3 else [sheet]):
            change(name, lambda x: re.sub(rb'<row r="\d+"', b"<row", re.sub(rb' r="[A-Z]+\d+"', b"", x)) if both
                   else re.sub(rb' r="[A-Z]+\d+"', b"", x))
        what = "cells" + (" and rows" if both else "") + " without r"
    elif kind == "rows-out-of-order":
        def shuffle(x):
            rows = list(re.finditer(rb"<row [^>]*>.*?</row>", x, re.S))
            if len(rows) < 3:
                return x
            a, b = sorted(rng.sample(range(1, len(rows)), 2))
            pieces = [r.group(0) for r in rows]
            op = rng.choice(["swap", "duplicate", "reverse"])
            if op == "swap":
                pieces[a], pieces[b] = pieces[b], pieces[a]
            elif op == "duplicate":
                pieces.insert(b, pieces[a])
            else:
                pieces = pieces[:1] + pieces[1:][::-1]
            return x[:rows[0].start()] + b"".join(pieces) + x[rows[-1].end():]
        change(sheet, shuffle)
        what = "rows reordered"
    elif kind == "deep-xml":
        depth = rng.choice([100, 5_000, 50_000, 150_000])
        where = rng.choice(["sheet", "strings", "cell"])
        if where == "sheet":
            change(sheet, lambda x: x.replace(b"</worksheet>", b"<extLst>" + b"<ext>" * depth + b"</ext>" * depth
                                              + b"</extLst></worksheet>"))
        elif where == "strings":
            change("xl/sharedStrings.xml", lambda x: x.replace(b"<si><t>", b"<si>" + b"<r>" * depth + b"<t>x</t>"
                                                               + b"</r>" * depth + b"</si><si><t>", 1))
        else:
            change(sheet, lambda x: re.sub(rb"(<c r=\"B2\"[^>]*>)", lambda m: m.group(1) + b"<x>" * depth
                                           + b"</x>" * depth, x, count=1))
        what = f"{depth} nested elements in the {where}"
    elif kind == "odd-xml":
        op = rng.choice(["utf16", "prefixed", "cdata", "comments", "inline", "error-cell", "bool-cell", "date-cell",
                         "string-index", "number-text", "rich-text", "char-refs", "bad-char-ref", "bom"])
        target = "xl/sharedStrings.xml" if op in ("cdata", "rich-text") else sheet
        ns = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"

        def odd(x):
            if op == "utf16":
                return x.replace(b'encoding="UTF-8"', b'encoding="UTF-16"').decode("utf-8").encode("utf-16")
            if op == "bom":
                return b"\xef\xbb\xbf" + x
            if op == "prefixed":
                x = x.replace(b'xmlns="' + ns + b'"', b'xmlns:x="' + ns + b'"')
                return re.sub(rb"<(/?)(worksheet|sheetData|row|c|v|dimension|sheetViews|sheetView|pane|selection|"
                              rb"sheetFormatPr|cols|col|tableParts|tablePart|pageMargins|is|t|f)([\s/>])",
                              rb"<\1x:\2\3", x)
            if op == "cdata":
                return re.sub(rb"<t>([^<]{1,60})</t>", rb"<t><![CDATA[\1]]></t>", x, count=20)
            if op == "comments":
                return x.replace(b"</c>", b"</c><!-- c --><?pi x?>")
            if op == "inline":
                return re.sub(rb'<c r="([A-Z]+\d+)"([^>]*) t="s"><v>\d+</v></c>',
                              rb'<c r="\1"\2 t="inlineStr"><is><t>inline</t></is></c>', x, count=rng.randint(1, 50))
            if op == "error-cell":
                return re.sub(rb'<c r="([A-Z]+\d+)"([^>]*) t="s"><v>\d+</v></c>',
                              rb'<c r="\1"\2 t="e"><v>#REF!</v></c>', x, count=rng.randint(1, 5))
            if op == "bool-cell":
                return re.sub(rb'<c r="([A-Z]+\d+)"([^>]*) t="s"><v>\d+</v></c>', rb'<c r="\1"\2 t="b"><v>1</v></c>',
                              x, count=rng.randint(1, 5))
            if op == "date-cell":
                return re.sub(rb'<c r="([A-Z]+\d+)"([^>]*) t="s"><v>\d+</v></c>',
                              rb'<c r="\1"\2 t="d"><v>2026-01-01T00:00:00</v></c>', x, count=rng.randint(1, 5))
            if op == "string-index":
                bad = rng.choice([b"999999", b"-1", b"1.0", b"99999999999999999999", b" 3 ", b""])
                return re.sub(rb'( t="s"><v>)\d+(</v>)', lambda m: m.group(1) + bad + m.group(2), x, count=1)
            if op == "number-text":
                return re.sub(rb'<c r="([A-Z]+\d+)"([^>]*) t="s"><v>\d+</v></c>', rb'<c r="\1"\2><v>abc</v></c>', x, count=1)
            if op == "rich-text":
                return re.sub(rb"<si><t>([^<]{2,40})</t></si>", rb'<si><r><t>\1</t></r><r><rPr><b/></rPr><t>!</t></r>'
                              rb'<rPh sb="0" eb="1"><t>ruby</t></rPh></si>', x, count=10)
            if op == "char-refs":
                return re.sub(rb"<v>(\d)", rb"<v>&#x3\1;", x, count=30)
            return re.sub(rb"<v>", b"<v>&#0;", x, count=1)  # bad-char-ref
        change(target, odd)
        what = f"{op} in {target}"
    elif kind == "doctype":
        target = rng.choice([sheet, "xl/sharedStrings.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                             "_rels/.rels", "[Content_Types].xml", "xl/styles.xml"])
        op = rng.choice(["laughs", "external", "plain"])
        if op == "laughs":
            dtd = b'<!DOCTYPE z [<!ENTITY a "aaaaaaaaaa">' + b"".join(
                b'<!ENTITY %s "%s">' % (b"a" * (i + 2), (b"&" + b"a" * (i + 1) + b";") * 10) for i in range(8)) + b"]>"
            use = b"&" + b"a" * 9 + b";"
        elif op == "external":
            dtd, use = b'<!DOCTYPE z [<!ENTITY ext SYSTEM "file:///etc/hostname">]>', b"&ext;"
        else:
            dtd, use = b'<!DOCTYPE worksheet>', b""

        def declare(x):
            x = re.sub(rb"(<\?xml[^>]*\?>\s*)", lambda m: m.group(1) + dtd, x, count=1) if x.startswith(b"<?xml") else dtd + x
            if use:
                x = re.sub(rb"<(t|v)>", lambda m: b"<" + m.group(1) + b">" + use, x, count=1)
            return x
        change(target, declare)
        what = f"DOCTYPE ({op}) in {target}"
    else:  # xml-damage: bytes changed inside one part, the zip itself sound
        target = rng.choice([sheet, "xl/sharedStrings.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                             rng.choice(names)])

        def damage(x):
            buf = bytearray(x)
            for _ in range(rng.randint(1, 6)):
                if not buf:
                    break
                i = rng.randrange(len(buf))
                op = rng.randrange(4)
                if op == 0:
                    buf[i] ^= rng.randint(1, 255)
                elif op == 1:
                    del buf[i:i + rng.randint(1, 40)]
                elif op == 2:
                    buf[i:i] = rng.choice([b"<", b">", b"&", b'"', b"</c>", b"<c>", b"<row>", b"\xff", b"\x00"])
                else:
                    j = rng.randrange(len(buf))
                    buf[i:i] = buf[j:j + rng.randint(1, 200)]
            return bytes(buf)
        change(target, damage)
        what = f"bytes changed inside {target}"
    _write_zip(members, out)
    return what
