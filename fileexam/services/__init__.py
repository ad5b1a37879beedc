"""Use-cases shared by the command line and the app. Each takes plain arguments and an optional progress callback."""
