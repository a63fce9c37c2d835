"""Output folders: made whole or not at all, never over a user's files, one writer at a time.

The rule every tool follows (tools/, pipeline/, the training data tools): only what the project
itself made is ever removed or replaced.

- A folder is built under a temporary name beside its final one and renamed into place when
  complete (`atomic_dir`), so a crash never leaves half an output under the final name.
- Every folder `atomic_dir` makes carries a mark (OWNER_MARK); `--overwrite` replaces only a
  folder with that mark and refuses one without it: a user's folder, a training run, a data set.
- An output may not be, hold, or lie inside one of the tool's inputs (`check_not_inputs`).
- While a tool writes a folder it holds a claim on it (a lock file beside it naming its
  process), so a second run aimed at the same folder stops at once with "in use".
"""
import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable, Iterator, Optional

from facevid.errors import DataError

OWNER_MARK = ".facevid-output"    # inside every folder atomic_dir makes


def check_not_inputs(out: Path, inputs: Iterable[Optional[Path]], flag: str = "--out") -> None:
    """An output may not be, hold, or lie inside an input: replacing it would delete the input,
    and writing into an input folder would change the set (a teacher would label its labels)."""
    out = Path(out).resolve()
    for path in inputs:
        if path is None:
            continue
        path = Path(path).resolve()
        if path == out or out in path.parents:
            raise DataError(f"{flag} {out} {'is' if path == out else 'holds'} the input {path}; "
                            f"writing there would replace it: choose another {flag}")
        if path in out.parents:
            raise DataError(f"{flag} {out} lies inside the input {path}; writing there would "
                            f"change the input: choose another {flag} outside it")


def check_folder_path(final: Path, flag: str = "--out") -> None:
    """`final` is a folder or can become one: neither it nor a folder above it is a file."""
    final = Path(final)
    if final.exists() and not final.is_dir():
        raise DataError(f"{final}: exists and is a file, not a folder; choose another {flag}")
    blocker = next((p for p in final.parents if p.is_file()), None)
    if blocker is not None:
        raise DataError(f"{final}: cannot create the output folder ({blocker} is a file, not a "
                        f"folder); choose another {flag}")


def check_output_folder(final: Path, overwrite: bool = False, flag: str = "--out") -> None:
    """What can be known before any work: the output is not a file nor a mount point, and a
    non-empty folder is replaced only with --overwrite and only if one of our tools made it.
    Tools call it first, so a bad --out fails in a second."""
    final = Path(final)
    check_folder_path(final, flag)
    if final.is_dir() and os.path.ismount(final):
        raise DataError(f"{final}: is a mount point, which cannot be replaced as a whole; choose "
                        f"a folder inside it as {flag}")
    if final.is_dir() and any(final.iterdir()):
        if not overwrite:
            raise DataError(f"{final}: output folder exists and is not empty; "
                            f"choose another {flag} or pass --overwrite")
        if not (final / OWNER_MARK).is_file():
            raise DataError(f"{final}: holds files this project's tools did not write (no "
                            f"{OWNER_MARK} inside), and --overwrite replaces only their own "
                            f"outputs; choose another {flag}, or move that folder away yourself")


def pid_running(pid: int) -> bool:
    """Whether a process with this id runs (one that is not ours to signal counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock_path(final: Path) -> Path:
    return final.with_name(f".{final.name}.lock")


@contextlib.contextmanager
def claim(final: Path) -> Iterator[None]:
    """Hold the claim on `final` (a lock file beside it with this process's id); a claim left
    by a process that no longer runs is taken over. Raises DataError while another holds it."""
    lock = _lock_path(Path(final))
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            try:
                owner = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                owner = 0
            if owner and owner != os.getpid() and pid_running(owner):
                raise DataError(f"{final}: in use: another run (process {owner}) is writing it; "
                                "wait for it to finish or choose another --out") from None
            with contextlib.suppress(OSError):
                lock.unlink()
    else:
        raise DataError(f"{final}: could not claim it ({lock} keeps coming back); choose another --out")
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _tmp_dir_prefix(final: Path) -> str:
    return f".{final.name}.tmp-"


def remove_stale_tmp(final: Path) -> None:
    """Remove temporary folders of `final` left by a process that was killed (SIGKILL, power
    loss): their names carry the writer's pid, and that process no longer runs."""
    prefix = _tmp_dir_prefix(final)
    if not final.parent.is_dir():
        return
    for old in final.parent.glob(prefix + "*"):
        pid = old.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_running(int(pid)):
            shutil.rmtree(old, ignore_errors=True)


def make_tmp_dir(final: Path) -> Path:
    """An empty folder beside `final` under a temporary name, with the permissions a plain
    mkdir would give (not tempfile's 0700)."""
    tmp = Path(tempfile.mkdtemp(prefix=f"{_tmp_dir_prefix(final)}{os.getpid()}-", dir=final.parent))
    tmp.chmod(0o777 & ~_umask())
    return tmp


def replace_dir(tmp: Path, final: Path) -> None:
    """Put the finished folder `tmp` in place of `final`; the old one is removed only after
    the new one is in place."""
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, final)


@contextlib.contextmanager
def atomic_dir(final: Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside `final`; on success it replaces `final` as a whole, with
    OWNER_MARK inside. The claim on `final` is held throughout.

    On any error (and on SIGINT/SIGTERM, which facevid.cli turns into KeyboardInterrupt) the
    temporary folder is removed and `final` is left as it was.
    """
    final = Path(final)
    check_output_folder(final, overwrite)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"{final}: cannot create the output folder ({exc.strerror}); "
                        "choose another --out") from None
    with claim(final):
        check_output_folder(final, overwrite)      # again: another run may have finished it
        remove_stale_tmp(final)
        tmp = make_tmp_dir(final)
        try:
            (tmp / OWNER_MARK).write_text("made by a facevid tool; --overwrite may replace this folder\n")
            yield tmp
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        replace_dir(tmp, final)
