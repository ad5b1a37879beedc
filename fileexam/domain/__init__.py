"""The pure domain: question sets, cases, answers, scoring. No Qt, SQLite, Excel or YAML here."""
