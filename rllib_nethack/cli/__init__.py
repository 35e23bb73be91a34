"""The command line every entry point shares.

:mod:`~rllib_nethack.cli.exits` turns a user's mistake into one ``error:`` line
and exit status 2 (Ctrl-C: 130); :mod:`~rllib_nethack.cli.settings` parses
``key=value`` settings into a dataclass and writes ``--help`` from it;
:mod:`~rllib_nethack.cli.main` is the ``rllib-nethack`` console script.
"""
