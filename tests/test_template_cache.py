"""The parsed-template cache (fileexam/store/template_cache.py, fileexam/formats/template_json.py): a file
opened again gets the very template the YAML gives, with no YAML; a cache file that is damaged, tampered
with or another template's is never used, and is rewritten."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from conftest import AREA_TEMPLATE, ROOT
from definition_cases import GOOD_SET, GOOD_TEMPLATE
from moderation_helpers import moderated_template
from fileexam import settings
from fileexam.domain.template import InspectionTemplate
from fileexam.formats import definitions, template_json
from fileexam.store import template_cache
from fileexam.store.file_check import DamagedFile
from fileexam.store.inspection_file import InspectionFile
from test_report_identity import custom_template


# ---- the templates: every shipped one and those the tests build ----------------------------------------------
SHIPPED = [p for p in sorted((ROOT / "question_sets").glob("*.yaml"))
           if "kind: inspection-template" in p.read_text(encoding="utf-8")]


def _good(folder: Path) -> Path:
    (folder / "demo.yaml").write_text(GOOD_SET)
    (folder / "template.yaml").write_text(GOOD_TEMPLATE.replace("composites:", (
        "  - {id: age, label: Age, type: number}\n  - {id: note, label: Note, type: text, export: false}\n"
        "composites:")))
    return folder / "template.yaml"


def _moderated(tmp_path: Path) -> Path:
    return moderated_template(tmp_path, "\nmoderation:\n  standardisation:\n    cases: [CAL-1, CAL-2]\n"
                                        "    pass: {exact: 80%, within_one: 95%}\n  targets: {kappa: 0.6}\n")


def _bench(folder: Path) -> Path:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    return run.write_definitions(folder)


BUILDERS = {
    **{p.stem: (lambda tmp, p=p: p) for p in SHIPPED},  # every shipped template, with every shipped set
    "good": _good,                      # conditions (answer, section on a field), number, choices, composites
    "custom": custom_template,          # all/any/not, fractional points and weights, date, text, breakdowns,
                                        # combined shares, intervals
    "moderated": _moderated,            # standardisation with cases, agreement targets
    "bench": _bench,                    # benchmarks/run.py's 4 sets x 20 questions
}


def _inspection(tmp_path: Path, which: str) -> Path:
    folder = tmp_path / which
    folder.mkdir(exist_ok=True)
    template = BUILDERS[which](folder)
    path = tmp_path / f"{which}.fileexam"
    InspectionFile.create(path, template, which, "TL").close()
    return path


def _template(path: Path) -> InspectionTemplate:
    f = InspectionFile.open(path)
    try:
        return f.template
    finally:
        f.close()


def _cache_files() -> list[Path]:
    return sorted(template_cache.folder().glob("*.json"))


def _no_yaml(monkeypatch):
    """From here on a YAML parse of a stored definition fails the test: the template must come from the cache."""
    def refuse(*args, **kwargs):
        raise AssertionError("the YAML was parsed although the cache holds this template")
    monkeypatch.setattr(definitions, "load_text", refuse)


def same(a, b, where: str = "template") -> None:
    """Equal in every field, compare=False ones (sources, key lines) included, and of the same types."""
    assert type(a) is type(b), where
    if dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            same(a[k], b[k], f"{where}[{k!r}]")
    else:
        assert a == b, where


# ---- round trip ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", sorted(BUILDERS))
def test_round_trip__the_cached_template_is_the_yaml_one_in_every_field(tmp_path, which, monkeypatch):
    path = _inspection(tmp_path, which)
    assert _cache_files() == []
    parsed = _template(path)                      # cold: the YAML, then the cache written
    assert len(_cache_files()) == 1
    _no_yaml(monkeypatch)
    cached = _template(path)                      # warm: from the cache alone
    assert cached == parsed
    assert repr(cached) == repr(parsed)
    same(cached, parsed)
    assert cached.fingerprint == parsed.fingerprint
    assert [s.fingerprint for s in cached.question_sets] == [s.fingerprint for s in parsed.question_sets]
    assert any(q.key_lines for q in cached.questions)  # kept for messages that name a line
    # shared where the YAML shares (a built-in scale under many questions): one object each, not copies
    assert len({id(q.answer.scale) for q in cached.questions}) == len({id(q.answer.scale) for q in parsed.questions})
    # a message naming a line names the same one
    q = next(iter(cached.questions))
    assert str(q.source_of("text")) == str(next(iter(parsed.questions)).source_of("text"))


def test_round_trip__every_kind_of_thing_a_template_holds_was_tried(tmp_path):
    """The templates above between them hold every class, enum member and optional block the codec knows."""
    seen: set[str] = set()

    def walk(v):
        if isinstance(v, template_json.Enum):
            seen.add(f"{type(v).__name__}.{v.name}")
        elif dataclasses.is_dataclass(v):
            seen.add(type(v).__name__)
            for f in dataclasses.fields(v):
                walk(getattr(v, f.name))
        elif isinstance(v, (tuple, list)):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)

    templates = {which: _template(_inspection(tmp_path, which)) for which in BUILDERS}
    for t in templates.values():
        walk(t)
    assert set(template_json.ALLOWED) <= seen | {c for c in template_json.ALLOWED
                                                  if issubclass(template_json.ALLOWED[c], template_json.Enum)}
    for enum in (template_json.AnswerType, template_json.FieldType):
        assert {f"{enum.__name__}.{m.name}" for m in enum} <= seen
    t = templates[AREA_TEMPLATE.stem]
    assert t.retention is not None and t.exclusion_reasons_given
    shipped_sets = {p.name for p in (ROOT / "question_sets").glob("*.yaml") if p not in SHIPPED}
    assert shipped_sets and shipped_sets <= {s.source.path for t in templates.values() for s in t.question_sets}


def test_spec__names_every_field_of_every_class_a_template_can_hold():
    """The written-out field checks cover each whitelisted class exactly, and every dataclass a template
    can reach (by its annotations) is whitelisted: a new field or class fails here, not silently in use."""
    for name, cls in template_json.ALLOWED.items():
        if dataclasses.is_dataclass(cls):
            assert set(template_json.SPEC[name]) == {f.name for f in dataclasses.fields(cls)}, name
            # decode fills __dict__ without __init__: nothing may need running or lack a __dict__
            assert not hasattr(cls, "__post_init__") and "__slots__" not in vars(cls), name
    reached, todo = set(), [InspectionTemplate]
    while todo:
        cls = todo.pop()
        if cls in reached:
            continue
        reached.add(cls)
        if dataclasses.is_dataclass(cls):
            for hint in typing.get_type_hints(cls).values():
                stack = [hint]
                while stack:
                    h = stack.pop()
                    stack += typing.get_args(h)
                    if isinstance(h, type) and (dataclasses.is_dataclass(h) or issubclass(h, template_json.Enum)):
                        todo.append(h)
    assert {c.__name__ for c in reached} == set(template_json.ALLOWED)


def test_encode_is_repeatable_and_refuses_what_it_does_not_know(tmp_path):
    t = _template(_inspection(tmp_path, "good"))
    assert template_json.encode(t) == template_json.encode(template_json.decode(template_json.encode(t)))

    @dataclasses.dataclass(frozen=True)
    class Stranger:
        x: int = 1

    with pytest.raises(template_json.BadCache):
        template_json.encode(dataclasses.replace(t, description=Stranger()))


# ---- tampered, damaged or foreign cache files -------------------------------------------------------------
def _first(node, cls: str):
    """The first encoded object of class `cls` in the JSON tree."""
    if isinstance(node, dict):
        if node.get("c") == cls:
            return node
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _first(child, cls)
        if found is not None:
            return found
    return None


def _edit(change):
    def apply(text: str) -> str:
        data = json.loads(text)
        change(data)
        return json.dumps(data)
    return apply


def _set(cls: str, field: str, value):
    return _edit(lambda d: _first(d, cls)["f"].__setitem__(field, value))


TAMPERING = {
    "question text": _set("Question", "text", "Was it done well?"),
    "option value": _set("Option", "value", "excellent"),
    "option points": _set("Option", "points", 99),  # a case field's: its points are in no fingerprint
    "scale points": _edit(lambda d: _first(_first(d, "Scale"), "Option")["f"].__setitem__("points", 99)),
    "question's set": _set("Question", "set_id", "another"),       # not in any fingerprint: checked apart
    "question's section": _set("Question", "section_id", "another"),
    "set version": _set("QuestionSet", "version", "9"),
    "bounds on a yes/no answer": _set("AnswerSpec", "maximum", 3),  # a scale's: bounds in no fingerprint
    "template version": _edit(lambda d: d["template"]["f"].__setitem__("version", "9")),
    "unknown class": _edit(lambda d: _first(d, "Option").__setitem__("c", "Popen")),
    "class by module path": _edit(lambda d: _first(d, "Option").__setitem__("c", "subprocess.Popen")),
    "field added": _edit(lambda d: _first(d, "Question")["f"].__setitem__("evil", "x")),
    "field missing": _edit(lambda d: _first(d, "Question")["f"].pop("guidance")),
    "field of a wrong type": _set("Question", "required", "yes"),
    "tuple made a list": _edit(lambda d: _first(d, "Question")["f"].__setitem__("scores", {"l": ["theme"]})),
    "untagged list": _edit(lambda d: _first(d, "Question")["f"].__setitem__("scores", ["theme"])),
    "unknown enum value": _edit(lambda d: _first(d, "AnswerSpec")["f"].__setitem__("type", {"e": "AnswerType",
                                                                                           "v": "essay"})),
    "enum of another class": _edit(lambda d: _first(d, "AnswerSpec")["f"].__setitem__("type", {"e": "Question",
                                                                                              "v": "x"})),
    "unhashable key": _edit(lambda d: _first(d, "Question")["f"].__setitem__("key_lines", {"d": [[{"l": []}, 1]]})),
    "reference to no object": _edit(lambda d: _first(d, "Question")["f"].__setitem__("answer", {"r": 10**6})),
    "reference to another class": _edit(lambda d: _first(d, "Question")["f"].__setitem__("answer", {"r": 0})),
    "format version": _edit(lambda d: d.__setitem__("format", True)),
    "not json": lambda text: "{not json",
    "truncated": lambda text: text[: len(text) // 2],
    "empty": lambda text: "",
    "deeply nested": lambda text: "[" * 100_000 + "]" * 100_000,
    "not text": lambda text: "\udcff",  # written as bytes that are not UTF-8 (below)
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_tampered_cache__ignored_the_yaml_read_and_the_cache_rewritten(tmp_path, how):
    path = _inspection(tmp_path, "good")
    parsed = _template(path)
    [cache] = _cache_files()
    good = cache.read_text(encoding="utf-8")
    bad = TAMPERING[how](good)
    if how == "not text":
        cache.write_bytes(b"\xff\xfe{")
    else:
        assert bad != good
        cache.write_text(bad, encoding="utf-8")
    got = _template(path)
    same(got, parsed)
    assert cache.read_text(encoding="utf-8") == good  # rewritten from the YAML
    assert _cache_files() == [cache]


def test_another_templates_cache_under_this_name__ignored_and_rewritten(tmp_path, monkeypatch):
    mine, other = _inspection(tmp_path, "good"), _inspection(tmp_path, "custom")
    parsed = _template(mine)
    [cache] = _cache_files()
    good = cache.read_text(encoding="utf-8")
    _template(other)
    theirs = next(p for p in _cache_files() if p != cache).read_text(encoding="utf-8")
    cache.write_text(theirs, encoding="utf-8")
    same(_template(mine), parsed)
    assert cache.read_text(encoding="utf-8") == good


def test_same_template_other_question_set_in_the_file__its_fingerprint_is_checked(tmp_path):
    """A cache entry decoded fine but for a set the file does not store (the definitions table says which)."""
    path = _inspection(tmp_path, "good")
    parsed = _template(path)
    f = InspectionFile.open(path)
    rows = f.conn.execute("SELECT file_name, text, def_id, version, fingerprint FROM definitions"
                          " WHERE kind='question-set' ORDER BY id").fetchall()
    row = f.conn.execute("SELECT file_name, text, def_id, version FROM definitions"
                         " WHERE kind='inspection-template'").fetchone()
    f.close()
    assert template_cache.read(row, parsed.fingerprint, rows) == parsed
    wrong = [r[:4] + ("0" * 64,) for r in rows]
    assert template_cache.read(row, parsed.fingerprint, wrong) is None
    assert template_cache.read(row, "0" * 64, rows) is None


def test_damaged_stored_text__still_a_damaged_file_with_a_warm_cache(tmp_path):
    path = _inspection(tmp_path, "good")
    _template(path)
    assert _cache_files()
    f = InspectionFile.open(path)
    f.conn.execute("UPDATE definitions SET text='{{{' WHERE kind='question-set'")
    f.close()
    with pytest.raises(DamagedFile, match="stored template or question sets cannot be read"):
        _template(path)


@pytest.mark.parametrize("kind", ["inspection-template", "question-set"])
def test_stored_definition_not_text__a_damaged_file_not_an_error(tmp_path, kind):
    """A definition's text changed to a BLOB (or a number) outside fileexam: DamagedFile saying which, not a
    Python error from the YAML reader, with or without a cache."""
    path = _inspection(tmp_path, "good")
    _template(path)
    f = InspectionFile.open(path)
    f.conn.execute("UPDATE definitions SET text=CAST(text AS BLOB) WHERE kind=?", [kind])
    f.close()
    with pytest.raises(DamagedFile, match="are not text"):
        _template(path)
    for cached in _cache_files():
        cached.unlink()
    with pytest.raises(DamagedFile, match="are not text"):
        _template(path)


# ---- the folder ---------------------------------------------------------------------------------------------
def test_cache_folder_is_under_fileexam_home(own_home):
    assert settings.cache_dir() == own_home / "cache"
    assert template_cache.folder().parent == settings.cache_dir()


def test_unwritable_cache_folder__the_file_still_opens(tmp_path):
    path = _inspection(tmp_path, "good")
    settings.cache_dir().parent.mkdir(parents=True, exist_ok=True)
    settings.cache_dir().write_text("a file where the folder should be")
    parsed = _template(path)
    assert parsed.id == "demo-inspection"
    same(_template(path), parsed)


def test_cache_file_that_cannot_be_read_or_replaced__the_file_still_opens(tmp_path):
    path = _inspection(tmp_path, "good")
    parsed = _template(path)
    [cache] = _cache_files()
    cache.unlink()
    cache.mkdir()  # a folder where the cache file should be: neither read nor replaced
    same(_template(path), parsed)
    assert cache.is_dir()


def test_folder_kept_to_the_newest_fifty(tmp_path):
    folder = template_cache.folder()
    folder.mkdir(parents=True)
    for i in range(60):
        old = folder / f"{i:064x}.json"
        old.write_text("{}")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    path = _inspection(tmp_path, "good")
    parsed = _template(path)
    files = _cache_files()
    assert len(files) == template_cache.KEEP
    assert (folder / f"{59:064x}.json") in files and (folder / f"{0:064x}.json") not in files
    f = InspectionFile.open(path)
    assert any(template_cache.folder() / (template_cache.key(
        f.conn.execute("SELECT file_name, text FROM definitions WHERE kind='inspection-template'").fetchone(),
        f.conn.execute("SELECT file_name, text FROM definitions WHERE kind='question-set' ORDER BY id").fetchall())
        + ".json") == p for p in files)
    f.close()
    same(_template(path), parsed)


# ---- a fresh process: no YAML at all ------------------------------------------------------------------------
def test_fresh_process__template_from_the_cache_without_importing_yaml(tmp_path):
    path = _inspection(tmp_path, AREA_TEMPLATE.stem)
    parsed = _template(path)  # fills the cache (FILEEXAM_HOME is this test's own)
    script = (
        "import sys\n"
        "from fileexam.store.inspection_file import InspectionFile\n"
        f"f = InspectionFile.open({str(path)!r})\n"
        "t = f.template\n"
        "assert 'yaml' not in sys.modules, sorted(m for m in sys.modules if 'yaml' in m)\n"
        "from fileexam.formats.template_json import encode\n"
        "sys.stdout.write(encode(t))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    same(template_json.decode(done.stdout), parsed)
    assert template_json.decode(done.stdout) == parsed


def test_encrypted_inspection__no_cache_kept_outside_the_file(tmp_path):
    """Nothing of an encrypted inspection lies unencrypted beside it: its template is parsed every time."""
    from fileexam.store.sqlite import new_key
    key = new_key("a passphrase for the cache test")
    path = tmp_path / "enc.fileexam"
    f = InspectionFile.create(path, AREA_TEMPLATE, "Encrypted", "TL", key=key)
    f.close()
    for _ in range(2):
        f = InspectionFile.open(path, key=key)
        assert f.template.id
        f.close()
    assert not template_cache.folder().exists() or _cache_files() == []


# ---- a cache file made to cost time, and what is not a plain file --------------------------------------
def test_references_reach_only_shared_scales_and_sources(tmp_path):
    """Only a Scale or a Source is numbered for {"r": n}: a condition (or anything else) referred to again,
    nested (AllOf((c, c)) d deep: 2^d nodes for the fingerprint from a file of d lines), cannot be written."""
    from fileexam.formats import template_json as tj

    made = []
    cond = tj._dec({"c": "AnswerIs", "f": {"question": "Q1", "values": {"t": ["yes"]},
                                          "source": {"c": "Source", "f": {"path": None, "line": 3}}}}, made)
    assert [type(x).__name__ for x in made] == ["Source"]  # the condition itself is not numbered
    with pytest.raises(tj.BadCache):
        tj._dec({"c": "AllOf", "f": {"conditions": {"t": [{"r": 0}, {"r": 0}]}, "source": {"r": 0}}}, made)
    assert cond.question == "Q1"
    # every real cache: what is referred to again is a Scale or a Source
    path = _inspection(tmp_path, "good")
    _template(path)
    [cache] = _cache_files()
    made = []
    tj._dec(json.loads(cache.read_text(encoding="utf-8"))["template"], made)
    assert made and {type(x).__name__ for x in made} <= {"Scale", "Source"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_a_pipe_where_the_cache_file_should_be__the_file_still_opens(tmp_path):
    """A FIFO under the cache's name would block a read for ever: it is passed over, the YAML read."""
    path = _inspection(tmp_path, "good")
    parsed = _template(path)
    [cache] = _cache_files()
    cache.unlink()
    os.mkfifo(cache)
    import threading
    got = []
    reader = threading.Thread(target=lambda: got.append(_template(path)), daemon=True)
    reader.start()
    reader.join(20)
    if reader.is_alive():  # blocked on the pipe: free it, then fail
        os.close(os.open(cache, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("opening the inspection waited on a pipe in the cache folder")
    same(got[0], parsed)


def test_a_cache_file_too_big_to_be_one__ignored_unread(tmp_path, monkeypatch):
    path = _inspection(tmp_path, "good")
    parsed = _template(path)
    [cache] = _cache_files()
    good = cache.read_text(encoding="utf-8")
    monkeypatch.setattr(template_cache, "MAX_BYTES", len(good.encode("utf-8")) - 1)
    monkeypatch.setattr(template_cache.Path, "read_text", lambda *a, **k: pytest.fail("read a file too big"))
    assert template_cache.read(*_rows(path)) is None
    monkeypatch.undo()
    same(_template(path), parsed)


def _rows(path: Path):
    f = InspectionFile.open(path)
    try:
        fp = f.meta()["template_fingerprint"]
        row, sets = template_cache.stored_rows(f.conn, fp)
        return row, fp, sets
    finally:
        f.close()


def test_encrypting_a_file__its_plain_cache_entry_goes(tmp_path):
    """`fileexam encrypt`: the template a plain open cached goes with the plain file."""
    from fileexam.store.rekey import encrypt
    from fileexam.store.sqlite import derive

    path = _inspection(tmp_path, "good")
    _template(path)
    (tmp_path / "x").mkdir()
    other = _inspection(tmp_path / "x", "moderated")
    _template(other)
    assert len(_cache_files()) == 2
    mine = template_cache.folder() / (template_cache.key(*[_rows(path)[i] for i in (0, 2)]) + ".json")
    assert mine.exists()
    encrypt(path, lambda salt: derive("a passphrase for the cache test", salt), None, "TL")
    assert not mine.exists()
    assert len(_cache_files()) == 1  # another file's entry stays
