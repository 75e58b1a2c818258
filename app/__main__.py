import multiprocessing
import sys

from app.cli import main

if __name__ == "__main__":
    # A frozen build starts its child processes (the app's sync runs in one) through its entry point: this
    # diverts them to their work before the command line is read.
    multiprocessing.freeze_support()
    sys.exit(main())
