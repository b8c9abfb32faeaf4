import sys

from kt_rnn.cli.search import main

sys.exit(main())
