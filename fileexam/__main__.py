import sys

if getattr(sys, "frozen", False):  # a built app started as a merge's worker runs the worker (packaging/launcher.py)
    import multiprocessing  # not imported otherwise: 15 ms of start-up

    multiprocessing.freeze_support()

from fileexam.cli import main  # noqa: E402

raise SystemExit(main())
