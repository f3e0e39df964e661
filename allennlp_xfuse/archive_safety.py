"""
Model archives are opened safely, whoever opens them: importing `allennlp_xfuse` makes every tar
extraction in the process refuse members that would land outside the extraction directory, and
this module turns a truncated or damaged archive into a message that names it (which
`allennlp_xfuse.stock_command_errors` also prints last when a stock command fails on one).

The upstream break: `allennlp.models.archival.extracted_archive` (used by `load_archive`, hence
by `allennlp evaluate | predict | fine-tune` and every `xfuse-*` command that loads a model)
calls `tarfile.open(archive, "r:gz").extractall(tempdir)` without a filter, and
`cached_path`'s `extract_archive` does the same. A `model.tar.gz` whose members are named
`../escape.txt`, or that holds a link to a path outside, writes wherever its author chose.

The fix is PEP 706's documented default: `tarfile.TarFile.extraction_filter` (Python 3.11.4+,
3.10.12+, 3.9.17+) is the filter an `extractall()` without a `filter` argument uses. It is set
once, here, to `safe_extraction_filter`: `tarfile.data_filter` (no paths or links outside the
destination, no device files, no set-uid bits; leading `/` stripped) with an error message that
says what was refused and what to do.
"""
import contextlib
import gzip
import logging
import os
import sys
import tarfile
import zlib
from typing import Iterator, Tuple, Type

from allennlp.common.checks import ConfigurationError

logger = logging.getLogger(__name__)

#: What reading a truncated or damaged `.tar.gz` raises: gzip's "Compressed file ended before
#: the end-of-stream marker was reached" (`EOFError`), a bad CRC or header (`BadGzipFile`,
#: `zlib.error`), tar's "unexpected end of data" and bad headers (`ReadError`, `HeaderError`).
CORRUPT_ARCHIVE_ERRORS: Tuple[Type[BaseException], ...] = (
    EOFError,
    gzip.BadGzipFile,
    zlib.error,
    tarfile.ReadError,
    tarfile.CompressionError,
    tarfile.HeaderError,
)


class UnsafeArchiveMemberError(tarfile.FilterError, ConfigurationError):
    """
    A tar member that would be written outside the extraction directory (a `../` path, a link
    out, a device file). A `tarfile.FilterError`, so `tarfile` treats it as its own filter's
    errors (fatal), and a `ConfigurationError`, so the `xfuse-*` commands print it as one line.

    # Parameters

    message : `str`
        What was refused and what to do.
    """


def safe_extraction_filter(member: tarfile.TarInfo, dest_path: str) -> tarfile.TarInfo:
    """
    `tarfile.data_filter`, with a message that says what the refusal means for the user.

    # Parameters

    member : `tarfile.TarInfo`
        The member about to be extracted.
    dest_path : `str`
        The extraction directory.
    """
    try:
        return tarfile.data_filter(member, dest_path)
    except tarfile.FilterError as error:
        raise UnsafeArchiveMemberError(
            f"Refused to extract {member.name!r} from a tar archive: {error}. "
            "The archive is damaged or was made to write files outside its extraction directory;"
            " nothing was written there. Do not use it: re-create it (allennlp train, "
            "allennlp.models.archival.archive_model) or get it again from a source you trust."
        ) from None


def install_extraction_filter() -> bool:
    """
    Makes `safe_extraction_filter` the default filter of every `tarfile` extraction in this
    process (`tarfile.TarFile.extraction_filter`, PEP 706). Returns whether it could: Pythons
    older than 3.11.4 / 3.10.12 / 3.9.17 have no extraction filters, and get a warning instead.
    """
    if not hasattr(tarfile, "data_filter"):
        logger.warning(
            "This Python (%s) has no tar extraction filters (PEP 706): model archives are "
            "extracted unchecked. Use Python 3.11.4 or later to load archives you did not make.",
            ".".join(map(str, sys.version_info[:3])),
        )
        return False
    # staticmethod: a plain function stored on the class would be bound to the TarFile as self
    # (the PEP's documented way to set a function here).
    tarfile.TarFile.extraction_filter = staticmethod(safe_extraction_filter)
    return True


def corrupt_archive_message(archive_file: str, error: BaseException) -> str:
    """
    The one-line message for an archive that cannot be read to its end.

    # Parameters

    archive_file : `str`
        The archive, as the user named it.
    error : `BaseException`
        One of `CORRUPT_ARCHIVE_ERRORS`.
    """
    size = os.path.getsize(archive_file) if os.path.isfile(archive_file) else None
    shown = f" ({size:,} bytes)" if size is not None else ""
    reason = str(error).strip() or type(error).__name__
    return (
        f"{archive_file}{shown} is not a complete model archive ({reason}): it was truncated or"
        " damaged, e.g. by an interrupted copy or download. Copy it again, or re-create it: "
        "re-run its training (allennlp train --recover, or xfuse-sweep, which recovers "
        "interrupted runs)."
    )


@contextlib.contextmanager
def reading_archive(archive_file: str) -> Iterator[None]:
    """
    A block that reads `archive_file` (e.g. `load_archive(archive_file)`): a truncated or
    damaged archive becomes a `ConfigurationError` naming it and saying what to do, instead of
    gzip's `EOFError` with a traceback.

    # Parameters

    archive_file : `str`
        The archive the block reads.
    """
    try:
        yield
    except CORRUPT_ARCHIVE_ERRORS as error:
        raise ConfigurationError(corrupt_archive_message(archive_file, error)) from error


def check_archive(archive_file: str) -> None:
    """
    Reads `archive_file` through without extracting it: raises a `ConfigurationError` naming it
    when it is truncated or damaged, or holds a member extraction would refuse. For commands
    that load several archives late (after others were evaluated) and should fail first.

    # Parameters

    archive_file : `str`
        A `.tar.gz` model archive.
    """
    # Where extraction would write, for the filter's path checks only: nothing is written.
    notional_destination = os.path.join(os.path.abspath(os.sep), "xfuse-archive-check")
    with reading_archive(archive_file):
        with tarfile.open(archive_file, "r:gz") as archive:
            # `getmembers` reads every header, so it decompresses the archive to its last member
            for member in archive.getmembers():
                try:
                    safe_extraction_filter(member, notional_destination)
                except UnsafeArchiveMemberError as error:
                    raise UnsafeArchiveMemberError(f"{archive_file}: {error}") from None


#: Set once, when `allennlp_xfuse` is imported (its `__init__` imports this module first).
EXTRACTION_FILTER_INSTALLED = install_extraction_filter()
