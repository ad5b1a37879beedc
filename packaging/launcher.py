"""The built app's entry point (PyInstaller and Nuitka): the same as `python -m fileexam`."""

from fileexam.cli import main

raise SystemExit(main())
