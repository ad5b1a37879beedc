"""fileexam: file examination for inspectorates."""

__version__ = "0.1.0"
