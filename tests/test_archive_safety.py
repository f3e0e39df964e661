"""
Model archives are extracted safely (`allennlp_xfuse.archive_safety`): members that would land
outside the extraction directory are refused, through AllenNLP's own `load_archive` and the
stock `allennlp evaluate`, and a truncated archive is named with what to do.
"""
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from allennlp.common.checks import ConfigurationError
from allennlp.models.archival import load_archive

import allennlp_xfuse  # noqa: F401  (installs the extraction filter)
from allennlp_xfuse.archive_safety import (
    UnsafeArchiveMemberError,
    check_archive,
    reading_archive,
)

REPO_ROOT = Path(__file__).resolve().parents[1]


def add_file(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    member = tarfile.TarInfo(name)
    member.size = len(data)
    archive.addfile(member, io.BytesIO(data))


def add_link(archive: tarfile.TarFile, name: str, target: str, hard: bool = False) -> None:
    member = tarfile.TarInfo(name)
    member.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    member.linkname = target
    archive.addfile(member)


def write_archive(path: Path, build) -> Path:
    """A `.tar.gz` with a config.json first (as AllenNLP's archives), then what `build` adds."""
    with tarfile.open(path, "w:gz") as archive:
        add_file(archive, "config.json", b"{}")
        build(archive)
    return path


HOSTILE = {
    "dot-dot path": lambda a: add_file(a, "../escape.txt", b"pwned"),
    "nested dot-dot path": lambda a: add_file(a, "vocabulary/../../escape.txt", b"pwned"),
    "absolute symlink": lambda a: add_link(a, "weights.th", "/etc/passwd"),
    "symlink out": lambda a: add_link(a, "weights.th", "../escape.txt"),
    "hard link out": lambda a: add_link(a, "weights.th", "../escape.txt", hard=True),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_load_archive_refuses_members_outside_the_extraction_directory(tmp_path, kind):
    archive = write_archive(tmp_path / "model.tar.gz", HOSTILE[kind])
    (tmp_path / "extract").mkdir()
    with tarfile.open(archive, "r:gz") as tar, pytest.raises(UnsafeArchiveMemberError) as error:
        tar.extractall(tmp_path / "extract")  # no filter argument: what AllenNLP calls
    assert "Refused to extract" in str(error.value) and "Do not use it" in str(error.value)
    assert not (tmp_path / "escape.txt").exists()
    # AllenNLP's own loader, through the default filter
    with pytest.raises(UnsafeArchiveMemberError):
        load_archive(str(archive))
    # read through without extracting: named before anything is loaded
    with pytest.raises(UnsafeArchiveMemberError, match=str(archive)):
        check_archive(str(archive))
    assert sorted(os.listdir(tmp_path)) == ["extract", "model.tar.gz"]


def test_ordinary_members_still_extract(tmp_path):
    def build(archive):
        add_file(archive, "vocabulary/labels.txt", b"0\n1\n")
        add_file(archive, "/absolute.txt", b"kept inside")  # leading "/" stripped, as tar does
        add_link(archive, "weights.th", "vocabulary/labels.txt")  # a link inside is fine

    archive = write_archive(tmp_path / "model.tar.gz", build)
    check_archive(str(archive))
    destination = tmp_path / "extract"
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(destination)
    assert (destination / "absolute.txt").read_text() == "kept inside"
    assert (destination / "weights.th").read_text() == "0\n1\n"


def truncated_archive(path: Path) -> Path:
    """A gzip'd tar cut in the middle of an incompressible member."""
    write_archive(path, lambda a: add_file(a, "weights.th", os.urandom(200_000)))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def test_a_truncated_archive_is_named_with_what_to_do(tmp_path):
    archive = truncated_archive(tmp_path / "model.tar.gz")
    with pytest.raises(EOFError):  # what AllenNLP gives on its own
        load_archive(str(archive))
    for read in (lambda: load_archive(str(archive)), lambda: check_archive(str(archive))):
        with pytest.raises(ConfigurationError) as error, reading_archive(str(archive)):
            read()
        message = str(error.value)
        assert message.startswith(f"{archive} (") and "truncated or damaged" in message
        assert "Copy it again" in message


def test_stock_evaluate_with_the_plugin_refuses_a_hostile_archive(tmp_path, sample_dir):
    archive = write_archive(tmp_path / "hostile.tar.gz", HOSTILE["dot-dot path"])
    # AllenNLP extracts into tempfile.mkdtemp(): under TMPDIR, so "../escape.txt" would land in
    # tmp_path/scratch/escape.txt
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(REPO_ROOT)}
    # run outside the repository: its .allennlp_plugins must not be what loads the plugin
    result = subprocess.run(
        [sys.executable, "-m", "allennlp", "evaluate", str(archive),
         str(sample_dir / "de" / "test_2k.tsv"), "--include-package", "allennlp_xfuse"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "UnsafeArchiveMemberError: Refused to extract '../escape.txt'" in last_line, last_line
    assert "outside" in last_line
    assert not (scratch / "escape.txt").exists() and not (tmp_path / "escape.txt").exists()


def test_a_truncated_archive_ending_a_stock_command_ends_with_the_clear_line(tmp_path, capsys):
    # `allennlp evaluate ARCHIVE` lets load_archive's EOFError end the process: the plugin's
    # sys.excepthook prints the traceback, then the message naming the archive, last.

    archive = truncated_archive(tmp_path / "model.tar.gz")
    try:
        load_archive(str(archive))
    except EOFError as error:
        sys.excepthook(type(error), error, error.__traceback__)
    last_line = capsys.readouterr().err.strip().splitlines()[-1]
    assert last_line.startswith(f"{archive} (") and "truncated or damaged" in last_line
    # other errors that end a process are left as they are
    try:
        raise EOFError("not from an archive")
    except EOFError as error:
        sys.excepthook(type(error), error, error.__traceback__)
    assert capsys.readouterr().err.strip().splitlines()[-1] == "EOFError: not from an archive"
