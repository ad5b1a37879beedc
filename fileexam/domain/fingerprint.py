"""Fingerprints: a hash of canonical content, blind to key order, comments and whitespace."""

from __future__ import annotations

import hashlib
import json


def fingerprint(canonical: object) -> str:
    """sha256 of the canonical structure as sorted, compact JSON; 'sha256:' + 16 hex digits."""
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
