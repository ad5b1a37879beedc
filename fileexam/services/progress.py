"""Kept for code that imports the progress callback from here: it lives in fileexam.progress, below every
layer (the file formats take one too, and must not import the use-cases)."""

from fileexam.progress import Progress, ProgressFn, no_progress

__all__ = ["Progress", "ProgressFn", "no_progress"]
