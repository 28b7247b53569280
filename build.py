#!/usr/bin/env python3
"""Gazette's command line: `python build.py --help`. The same as the `gazette` command."""

import sys

from generator.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
