import multiprocessing

multiprocessing.freeze_support()  # a no-op unless frozen; see packaging/launcher.py

from fileexam.cli import main  # noqa: E402

raise SystemExit(main())
