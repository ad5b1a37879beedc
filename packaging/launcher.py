"""The built app's entry point (PyInstaller and Nuitka): the same as `python -m fileexam`."""

import multiprocessing

# First: in a frozen app, a merge's reading process (services/merge_read.py) starts this executable again;
# freeze_support runs the worker there instead of the app.
multiprocessing.freeze_support()

from fileexam.cli import main  # noqa: E402

raise SystemExit(main())
