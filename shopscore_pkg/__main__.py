"""`python -m shopscore` runs the command-line interface."""

from shopscore.cli.app import main

if __name__ == "__main__":
    main()
