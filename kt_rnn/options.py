"""The command lines' parser: options matched exactly, and a near miss answered with "did you mean".

argparse would take `--tune units_0` as `--tuner units_0` (an abbreviation), so a
mistyped or newly added option could silently become another one.
"""

import argparse
import difflib
import re

_UNRECOGNIZED = re.compile(r"unrecognized arguments: (.*)")


class Parser(argparse.ArgumentParser):
    """`argparse.ArgumentParser` without abbreviations, suggesting the closest option on a typo."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message):
        found = _UNRECOGNIZED.match(message)
        if found:
            message += "".join(self._hint(arg) for arg in found.group(1).split() if arg.startswith("--"))
        super().error(message)

    def _hint(self, arg):
        options = [s for action in self._actions for s in action.option_strings if s.startswith("--")]
        close = difflib.get_close_matches(arg.split("=")[0], options, n=1)
        return f" (did you mean {close[0]}?)" if close else ""
