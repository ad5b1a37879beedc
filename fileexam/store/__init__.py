"""The SQLite inspection file: migrations, durable answer writes, an append-only audit log."""
