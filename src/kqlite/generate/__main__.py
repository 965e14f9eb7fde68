"""`python -m kqlite.generate ...`: the generate command without the main CLI."""

from kqlite.generate.command import generate

generate(prog_name="python -m kqlite.generate")
