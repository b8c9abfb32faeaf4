"""The search path: pipeline, tuner registry, TensorBoard dashboard, export, progress, summary.

`python -m kt_rnn.search` runs the command line (`kt_rnn.cli.search`). Importing
this package stays light: its modules load TensorFlow only when imported.
"""
