"""The command line: argument parsing, the commands, printing and exit codes. The only part
of the package that prints.

May import: anything in the package.
"""
