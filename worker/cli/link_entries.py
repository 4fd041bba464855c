"""What `plansync link` was asked for: entries from its options and from a map file read within a limit."""

from __future__ import annotations

from pathlib import Path

from reconciliation.link_entry import LinkEntry, parse_plan_ref
from reconciliation.link_map import load_link_map
from reconciliation.side import Side
from worker.cli.merge_option import merge_pair

MAP_FILE_MAX_BYTES = 1024 * 1024  # a map of thousands of plans is a few hundred kilobytes


def read_map_file(path: Path) -> str:
    """The map file's text, read up to MAP_FILE_MAX_BYTES: a bigger or endless file (/dev/zero) is refused."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAP_FILE_MAX_BYTES + 1)
    except FileNotFoundError:
        raise ValueError(f"map file {path} does not exist") from None
    except OSError as error:
        raise ValueError(f"map file {path}: {error.strerror or error}") from None
    if len(data) > MAP_FILE_MAX_BYTES:
        raise ValueError(f"map file {path} is larger than the limit of {MAP_FILE_MAX_BYTES} bytes (1 MiB); "
                         "nothing was stored")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"map file {path} is not UTF-8 text (byte {error.start}); "
                         "nothing was stored") from None


def link_entries(
    merges: list[str] | None,
    source_of_truth: str | None,
    copy: list[str] | None,
    skip: list[str] | None,
    from_file: Path | None,
) -> list[LinkEntry]:
    entries: list[LinkEntry] = []
    if from_file is not None:
        entries.extend(load_link_map(read_map_file(from_file)))
    if merges:
        if source_of_truth is None:
            raise ValueError("--merge needs --source-of-truth perfectquote or benefitpoint")
        try:
            side = Side(source_of_truth.strip().lower())
        except ValueError:
            raise ValueError(
                f"--source-of-truth {source_of_truth!r}: use perfectquote or benefitpoint"
            ) from None
        entries.extend(LinkEntry.merge(*merge_pair(merge), source_of_truth=side) for merge in merges)
    entries.extend(LinkEntry.copy(*parse_plan_ref(ref)) for ref in copy or [])
    entries.extend(LinkEntry.skip(*parse_plan_ref(ref)) for ref in skip or [])
    if not entries:
        raise ValueError("nothing to link: give --merge, --copy, --skip or --from-file")
    return entries
