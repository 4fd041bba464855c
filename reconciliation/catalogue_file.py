"""A catalogue mapping file (TOML) read and checked against the catalogue its BenefitPoint lists."""

from __future__ import annotations

import tomllib

from reconciliation.catalogue_checks import Checker, entries_of
from reconciliation.catalogue_mapping import CatalogueMapping, LiveCatalogue, with_unmapped

TOP_FIELDS = frozenset({"carriers", "product_type"})


class CatalogueFileError(ValueError):
    """A mapping file that cannot be applied; one problem per bad entry, each naming it."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        several = f"the mapping has {len(problems)} problems: " if len(problems) > 1 else ""
        super().__init__(several + "; ".join(problems) + "; nothing was stored")


def read_mapping_file(text: str, live: LiveCatalogue, *,
                      source: str = "the mapping file") -> CatalogueMapping:
    """The mapping the file describes, its unmapped ids listed; CatalogueFileError naming each bad entry."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogueFileError([f"{source} is not valid TOML ({error})"]) from None
    checker = Checker(live)
    for field in sorted(set(document) - TOP_FIELDS):
        checker.problems.append(f"{source}: unknown section {field!r} (known: carriers, [[product_type]])")
    carriers = checker.carriers(entries_of(document.get("carriers"), "carriers", checker.problems))
    types = checker.product_types(entries_of(document.get("product_type"), "[[product_type]]",
                                             checker.problems))
    if checker.problems:
        raise CatalogueFileError(checker.problems)
    return with_unmapped(CatalogueMapping(product_types=tuple(types), carriers=tuple(carriers)), live)
