"""The reading side: a search directory read into trials (`trials`), shown as a text table, CSV or
JSON (`views`) and PNG figures (`plots`).

`python -m kt_rnn.report` runs the command line (`kt_rnn.cli.report`). Pure
Python: no TensorFlow import; matplotlib only for the figures.
"""
