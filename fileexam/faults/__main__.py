"""python -m fileexam.faults RUN ...: see fileexam/faults/__init__.py."""

from fileexam.faults import main

raise SystemExit(main())
