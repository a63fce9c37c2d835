"""What every entry point shares: user errors become one clear line and exit code 2."""
import signal
import sys
from typing import Callable

from facevid.errors import UserError


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def run_main(main: Callable[[], None]) -> None:
    """Run an entry point: a UserError is one line on stderr and exit 2; Ctrl-C and SIGTERM
    (a scheduler stopping the job) both unwind normally, so temporary outputs are removed."""
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        main()
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
