"""`python -m kqlite`: the command line, as the `kqlite` command."""

from kqlite.cli import main

main()
