"""``python -m podfit`` runs the command line."""

from podfit.cli.main import main

if __name__ == "__main__":
    main()
