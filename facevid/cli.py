"""What every entry point shares: user errors become one clear line and exit code 2."""
import sys
from typing import Callable

from facevid.errors import UserError


def run_main(main: Callable[[], None]) -> None:
    try:
        main()
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
