from fileexam.cli import main

raise SystemExit(main())
