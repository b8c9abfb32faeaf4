import sys

from kt_rnn.cli.report import main

sys.exit(main())
