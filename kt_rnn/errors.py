"""Errors a user can fix, each with the process exit code it maps to."""

EXIT_OK = 0
EXIT_USAGE = 2  # argparse's own code for a bad command line
EXIT_DATA = 3
EXIT_SEARCH = 4
EXIT_DISK_FULL = 5  # no space left where the search writes: free some, run the same command again
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT)
EXIT_TERMINATED = 143  # SIGTERM


class KtRnnError(Exception):
    """An error whose message tells the user what to change."""

    exit_code = EXIT_SEARCH


class UsageError(KtRnnError):
    """Invalid options, search-space edits or output location."""

    exit_code = EXIT_USAGE


class DataError(KtRnnError):
    """The dataset is missing, unreadable or not laid out as expected."""

    exit_code = EXIT_DATA


class SearchError(KtRnnError):
    """The search or the export cannot go on (no completed trial, no state to export)."""

    exit_code = EXIT_SEARCH


class DiskFull(SearchError):
    """The disk (or quota) holding the search is full; state is saved and the same command resumes."""

    exit_code = EXIT_DISK_FULL


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: stop like Ctrl-C (state saved), exit 143."""

    exit_code = EXIT_TERMINATED
