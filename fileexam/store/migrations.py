"""Schema migrations of the inspection file. Append new ones; never edit an applied one."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from fileexam.store.schema_names import MIGRATION_SET

migrations = Migrations(MIGRATION_SET)


@migrations()
def m001_initial(db: Database) -> None:
    db.executescript("""
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
    CREATE TABLE definitions (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,            -- question-set or inspection-template
        def_id TEXT NOT NULL,
        version TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        file_name TEXT NOT NULL,       -- as the template names it
        text TEXT NOT NULL,            -- the YAML as read: the file on disk is never needed again
        stored_at TEXT NOT NULL,
        UNIQUE (kind, def_id, fingerprint)
    );
    CREATE TABLE cases (
        reference TEXT PRIMARY KEY,
        fields TEXT NOT NULL DEFAULT '{}',   -- JSON object, field id -> value
        inspector TEXT,                      -- allocation
        source TEXT,                         -- the sample file it came from
        added_at TEXT NOT NULL
    );
    CREATE TABLE markings (
        case_ref TEXT NOT NULL REFERENCES cases(reference),
        marker TEXT NOT NULL,
        status TEXT NOT NULL,               -- in progress, complete
        updated_at TEXT NOT NULL,
        PRIMARY KEY (case_ref, marker)
    );
    CREATE TABLE answers (
        case_ref TEXT NOT NULL REFERENCES cases(reference),
        question_id TEXT NOT NULL,
        marker TEXT NOT NULL,
        value TEXT,
        comment TEXT NOT NULL DEFAULT '',
        set_id TEXT NOT NULL,
        set_fingerprint TEXT NOT NULL,
        answered_at TEXT NOT NULL,
        revision INTEGER NOT NULL DEFAULT 1,
        PRIMARY KEY (case_ref, question_id, marker)
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        who TEXT NOT NULL,
        action TEXT NOT NULL,
        case_ref TEXT,
        question_id TEXT,
        marker TEXT,
        old_value TEXT,
        new_value TEXT,
        reason TEXT
    );
    -- The audit log is append-only: SQLite itself refuses to change or delete a row.
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    """)


@migrations()
def m002_reporting_indexes(db: Database) -> None:
    # Covering indexes for per-question and per-marker aggregation (GROUP BY over many answers).
    db.executescript("""
    CREATE INDEX answers_by_question ON answers (question_id, value, case_ref);
    CREATE INDEX answers_by_marker ON answers (marker, case_ref);
    CREATE INDEX audit_by_case ON audit (case_ref, question_id);
    CREATE INDEX cases_by_inspector ON cases (inspector);
    """)



@migrations()
def m003_merges_and_double_marking(db: Database) -> None:
    db.executescript("""
    CREATE TABLE merges (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        who TEXT NOT NULL,
        file_name TEXT NOT NULL,
        data_sha256 TEXT,
        marker TEXT,
        outcome TEXT NOT NULL,          -- merged, refused
        new INTEGER, updated INTEGER, unchanged INTEGER, older INTEGER, conflicts INTEGER,
        detail TEXT
    );
    -- Cases chosen for a second, independent marking, and by whom.
    CREATE TABLE double_marking (
        case_ref TEXT NOT NULL REFERENCES cases(reference),
        marker TEXT NOT NULL,
        allocated_at TEXT NOT NULL,
        PRIMARY KEY (case_ref, marker)
    );
    """)


@migrations()
def m004_covering_answers_index(db: Database) -> None:
    # Reports read each counted marking's answers by (marker, case): covering them avoids a table lookup per answer.
    db.executescript("CREATE INDEX answers_by_marking ON answers (marker, case_ref, question_id, value);")


@migrations()
def m005_moderation(db: Database) -> None:
    db.executescript("""
    -- The agreed answer for a double-marked case and question; the original markings are never changed.
    CREATE TABLE moderation_decisions (
        case_ref TEXT NOT NULL REFERENCES cases(reference),
        question_id TEXT NOT NULL,
        agreed_value TEXT,
        reason TEXT NOT NULL,
        who TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (case_ref, question_id)
    );
    CREATE TABLE moderation_signoffs (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        who TEXT NOT NULL,
        action TEXT NOT NULL,   -- signed off, reopened
        reason TEXT
    );
    """)


@migrations()
def m006_calibration(db: Database) -> None:
    db.executescript("""
    -- A calibration case: every inspector marks it; their markings are compared with the reference
    -- marking and never count in the inspection's scores.
    CREATE TABLE calibration_cases (
        case_ref TEXT PRIMARY KEY REFERENCES cases(reference),
        reference_marker TEXT NOT NULL,
        at TEXT NOT NULL
    );
    """)


@migrations()
def m007_sample_design(db: Database) -> None:
    db.executescript("""
    -- The sample design the cases were drawn with (issue 18): its YAML as read, kept like the template's.
    CREATE TABLE sample_designs (
        id INTEGER PRIMARY KEY,
        def_id TEXT NOT NULL,
        version TEXT NOT NULL,
        fingerprint TEXT NOT NULL UNIQUE,
        file_name TEXT NOT NULL,
        text TEXT NOT NULL,
        stored_at TEXT NOT NULL
    );
    -- Each stratum as drawn: its population and eligible cases in the case list, its quota and reserves.
    CREATE TABLE sample_strata (
        stratum TEXT PRIMARY KEY,          -- JSON list of the strata fields' values
        label TEXT NOT NULL,
        population INTEGER,                -- rows of the case list in the stratum (NULL: not known)
        eligible INTEGER,                  -- of them eligible under every rule
        quota INTEGER NOT NULL,
        reserves INTEGER NOT NULL,         -- reserves drawn
        drawn INTEGER NOT NULL             -- cases drawn into the sample
    );
    -- The stratum of every sampled case, and how it came into the sample.
    CREATE TABLE case_strata (
        case_ref TEXT PRIMARY KEY REFERENCES cases(reference),
        stratum TEXT NOT NULL,
        origin TEXT NOT NULL               -- drawn, reserve (promoted to take an excluded case's place)
    );
    -- Reserve cases: drawn and kept with the sample, not in `cases` (nor allocated, nor shown) until promoted.
    CREATE TABLE sample_reserves (
        reference TEXT PRIMARY KEY,
        stratum TEXT NOT NULL,
        rank INTEGER NOT NULL,             -- 1, 2, ...: the order in which reserves take a place
        fields TEXT NOT NULL,              -- JSON object, as for cases
        source TEXT,
        added_at TEXT NOT NULL,
        replaces TEXT,                     -- the excluded case it took the place of (NULL: unused)
        promoted_at TEXT,
        promoted_by TEXT,
        UNIQUE (stratum, rank)
    );
    -- Sampled cases marked not examinable, with the reason (a value of the template's exclusion_reasons).
    CREATE TABLE sample_exclusions (
        case_ref TEXT PRIMARY KEY REFERENCES cases(reference),
        reason TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        who TEXT NOT NULL,
        at TEXT NOT NULL,
        replaced_by TEXT,                  -- the reserve promoted in its place (NULL: none left)
        source TEXT                        -- NULL: marked here; else the workbook it was merged from
    );
    """)


@migrations()
def m008_queries_feedback(db: Database) -> None:
    db.executescript("""
    -- A query on one marker's answer (issue 17): raised in the master, answered by the marker through
    -- their next export, closed by the moderator. Each state change keeps who and when.
    CREATE TABLE moderation_queries (
        id INTEGER PRIMARY KEY,            -- the query's number: the feedback workbook and the export name it
        case_ref TEXT NOT NULL REFERENCES cases(reference),
        question_id TEXT NOT NULL,
        marker TEXT NOT NULL,              -- whose answer is queried
        text TEXT NOT NULL,
        state TEXT NOT NULL,               -- open, answered, closed
        raised_by TEXT NOT NULL,
        raised_at TEXT NOT NULL,
        answered_by TEXT,
        answered_at TEXT,
        reply TEXT,
        answer_before TEXT,                -- the marker's answer before and after, when changed in answer
        answer_after TEXT,
        answer_changed INTEGER NOT NULL DEFAULT 0,
        answer_source TEXT,                -- the workbook the answer was merged from
        closed_by TEXT,
        closed_at TEXT,
        close_note TEXT
    );
    -- Read receipts, replies and query answers on feedback items. In an inspector's file: what they did in
    -- the feedback panel (source NULL); in the master: what their exports brought (source: the workbook).
    CREATE TABLE feedback_receipts (
        kind TEXT NOT NULL,                -- disagreement, query
        case_ref TEXT NOT NULL,
        question_id TEXT NOT NULL,
        query_id INTEGER NOT NULL DEFAULT 0,   -- the query's number; 0 for a disagreement
        marker TEXT NOT NULL,
        read_at TEXT,
        reply TEXT,
        replied_at TEXT,
        answer_before TEXT,
        answer_after TEXT,
        answer_changed INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        source TEXT,
        PRIMARY KEY (kind, case_ref, question_id, query_id, marker)
    );
    CREATE INDEX queries_by_state ON moderation_queries (state, marker);
    """)


@migrations()
def m009_standardisation_gold(db: Database) -> None:
    db.executescript("""
    -- A gold case (issue 17): an already-agreed case seeded, blind, into an inspector's allocation. The
    -- inspector's marking of it is compared with the agreed answers and never counts in the scores, the
    -- coverage or the agreement figures of the real sample.
    CREATE TABLE gold_cases (
        case_ref TEXT NOT NULL REFERENCES cases(reference),
        marker TEXT NOT NULL,
        seeded_at TEXT NOT NULL,
        seeded_by TEXT NOT NULL,
        PRIMARY KEY (case_ref, marker)
    );
    """)


@migrations()
def m010_compact_answers(db: Database) -> None:
    # Issue 15, the master file's size (docs/benchmarks.md): a question set's id and fingerprint stored once,
    # the answer's time as integer UTC milliseconds (store/answer_rows.py turns both back), the answers as a
    # WITHOUT ROWID table keyed by the primary key (no second copy of the keys) and without answers_by_marker
    # (a prefix of answers_by_marking). Statement by statement, not executescript (which would commit first):
    # the whole conversion is this migration's one transaction.
    from fileexam.store.answer_rows import stored_time
    conn = db.conn
    conn.create_function("fileexam_stored_time", 1, stored_time, deterministic=True)
    for sql in [
        """CREATE TABLE set_versions (
            id INTEGER PRIMARY KEY,
            set_id TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            UNIQUE (set_id, fingerprint)
        )""",
        "INSERT INTO set_versions (set_id, fingerprint)"
        " SELECT DISTINCT set_id, set_fingerprint FROM answers ORDER BY 1, 2",
        """CREATE TABLE answers_compact (
            case_ref TEXT NOT NULL REFERENCES cases(reference),
            question_id TEXT NOT NULL,
            marker TEXT NOT NULL,
            value TEXT,
            comment TEXT NOT NULL DEFAULT '',
            set_version INTEGER NOT NULL REFERENCES set_versions(id),
            answered_ms NOT NULL,          -- UTC ms since 1970; no type: a time not in fileexam's form stays text
            revision INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (case_ref, question_id, marker)
        ) WITHOUT ROWID""",
        "INSERT INTO answers_compact SELECT a.case_ref, a.question_id, a.marker, a.value, a.comment, v.id,"
        " fileexam_stored_time(a.answered_at), a.revision FROM answers a"
        " JOIN set_versions v ON v.set_id = a.set_id AND v.fingerprint = a.set_fingerprint"
        " ORDER BY a.case_ref, a.question_id, a.marker",
        "DROP TABLE answers",  # and its indexes
        "ALTER TABLE answers_compact RENAME TO answers",
        "CREATE INDEX answers_by_question ON answers (question_id, value, case_ref)",
        "CREATE INDEX answers_by_marking ON answers (marker, case_ref, question_id, value)",
    ]:
        conn.execute(sql)
        if sql.startswith("INSERT INTO answers_compact"):
            before, after = (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                             for t in ("answers", "answers_compact"))
            if before != after:  # rolled back with the whole migration: nothing is lost
                raise RuntimeError(f"m010_compact_answers: {after} of {before} answers converted")
    conn.create_function("fileexam_stored_time", 1, None)


@migrations()
def m011_drop_answers_by_question(db: Database) -> None:
    # Issue 15, the master file's size: the report now reads the typed and trigger answers in its one pass
    # over answers_by_marking, and no other query used this index (2.2 KB of the 8.9 KB per case). Its pages
    # go to the freelist; InspectionFile.open vacuums after this upgrade so that the file shrinks.
    db.conn.execute("DROP INDEX IF EXISTS answers_by_question")
