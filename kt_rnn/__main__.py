import sys

from kt_rnn.search import main

sys.exit(main())
