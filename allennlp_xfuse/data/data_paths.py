"""Turning what a config gives as data paths into local files, with errors a user can act on."""
import glob
import os
from os import PathLike
from typing import List, Sequence, Union

from allennlp.common.checks import ConfigurationError
from allennlp.common.file_utils import cached_path

DataPaths = Union[str, PathLike, Sequence[Union[str, PathLike]]]

_GLOB_CHARACTERS = ("*", "?", "[")


class DataFileNotFoundError(ConfigurationError, FileNotFoundError):
    """
    A data path that names no readable file. Both a `ConfigurationError` (the config points
    at the wrong place) and a `FileNotFoundError`, so either `except` catches it.
    """


def expand_data_paths(file_path: DataPaths) -> List[str]:
    """
    The data paths in `file_path`, in order: a comma-separated list, a glob pattern
    (`data/*/test_2k.tsv`, sorted), a list of such strings, or a single path or URL
    (`URL!member` names a file inside an archive). Globs apply to local paths only; a local
    path that does not exist is a `DataFileNotFoundError` here, before any file is read.
    """
    entries = [file_path] if isinstance(file_path, (str, PathLike)) else list(file_path)
    paths: List[str] = []
    for entry in entries:
        if os.path.exists(entry):
            # An existing file is taken as named, even with commas or brackets in its name.
            paths.append(str(entry))
            continue
        for piece in (piece.strip() for piece in str(entry).split(",")):
            if not piece:
                continue
            is_local = "://" not in piece and "!" not in piece
            is_pattern = any(character in piece for character in _GLOB_CHARACTERS)
            if is_local and is_pattern and not os.path.exists(piece):
                matches = sorted(glob.glob(os.path.expanduser(piece), recursive=True))
                if not matches:
                    raise DataFileNotFoundError(f"No data file matches the pattern {piece!r}.")
                paths.extend(matches)
            elif is_local and not os.path.exists(os.path.expanduser(piece)):
                # Checked before any file is read: a missing second file of a training list
                # (an augmented copy) would otherwise stop training only after the first.
                raise DataFileNotFoundError(
                    f"Data file not found: {piece}"
                    + (f" (in the data paths {str(entry)!r})" if piece != str(entry) else "")
                    + "."
                ) from None
            else:
                paths.append(piece)
    if not paths:
        raise ConfigurationError(f"No data path given (got {file_path!r}).")
    return paths


def local_data_file(path: str) -> str:
    """
    A local copy of the data file `path` (local path, URL, or `archive!member`, through
    AllenNLP's `cached_path`). Raises `DataFileNotFoundError` naming `path` when it cannot be
    read, instead of the downloader's stack of exceptions.
    """
    try:
        local = cached_path(path, extract_archive="!" in path)
    except FileNotFoundError as error:
        raise DataFileNotFoundError(f"Data file not found: {path} ({error}).") from None
    except ValueError as error:
        raise DataFileNotFoundError(f"Not a readable data path: {path} ({error}).") from None
    except OSError as error:  # connection errors are OSErrors
        raise DataFileNotFoundError(
            f"Could not fetch {path} ({type(error).__name__}: {error}). Offline, give a local "
            f"copy wherever this path was given: the config's train_data_path or "
            f"validation_data_path (--overrides '{{\"validation_data_path\": \"/data/...\"}}', "
            f"or allennlp xfuse-overrides ... --no-validation to train without a dev set), or "
            f"the input file of evaluate/predict."
        ) from None
    if not os.path.isfile(local):
        raise DataFileNotFoundError(f"Data path {path} is a directory, not a file.")
    return local
