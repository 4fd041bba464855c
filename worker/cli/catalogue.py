"""CLI commands: catalogue (discover an agency's BenefitPoint catalogue, apply its mapping, show it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from config.db import make_engine, make_session_factory
from config.db_ready import prepare_database
from config.settings import load_settings
from connectors.benefitpoint.catalogue_mapping import default_mapping
from reconciliation.catalogue_draft import unmapped_lines
from reconciliation.catalogue_mapping import CatalogueMapping, to_json
from worker.cli.agency_option import chosen_agency
from worker.cli.errors import EXIT_BAD_INPUT, cli_errors, fail
from worker.cli.link_entries import read_map_file
from worker.cli.output import emit, step_progress, table
from worker.runtime.context import SyncContext, build_context
from worker.service import agency_choice, catalogues

PREFIX = "plansync catalogue"
STDOUT = "-"

catalogue_app = typer.Typer(
    no_args_is_help=True,
    help="An agency's BenefitPoint catalogue: its product types, benefit attributes and carriers, mapped to "
         "plansync's coverages, benefit keys and PerfectQuote carrier codes.")
AgencyOption = Annotated[str | None, typer.Option(
    "--agency", help="The agency's name; left out: the only one stored (or the environment's, none stored).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


@contextmanager
def _agency_context(name: str | None) -> Iterator[SyncContext]:
    """The named agency's context: its database sessions and its connectors."""
    with cli_errors(prefix=PREFIX):
        settings = load_settings()
        prepare_database(settings.database_url)
        engine = make_engine(settings.database_url)
        try:
            with make_session_factory(engine)() as session:
                agency = agency_choice.resolve_agency(session, name or chosen_agency(), settings=settings)
        finally:
            engine.dispose()
        context = build_context(settings, agency=agency)
        try:
            yield context
        finally:
            context.close()


@catalogue_app.command("discover")
def discover_command(
    out: Annotated[str, typer.Option("--out", metavar="FILE",
                                     help="Where to write the draft (TOML); - for stdout.")],
    agency: AgencyOption = None,
) -> None:
    """Read the agency's product types, attributes and carriers; write a mapping draft to complete."""
    target = None if out == STDOUT else Path(out)
    if target is not None and target.exists():
        fail(f"{out} exists: give another --out, or remove it first (an edited draft is not overwritten)",
             EXIT_BAD_INPUT, prefix=PREFIX)
    with _agency_context(agency) as context, step_progress(label="product types", min_total=2) as step:
        found = catalogues.discover(source=context.benefitpoint, defaults=default_mapping(),
                                    agency=context.agency, on_step=step)
        name = context.agency.name
    if target is None:
        typer.echo(found.text)
        return
    with cli_errors(prefix=PREFIX):
        target.write_text(found.text, encoding="utf-8")
    mapping = found.mapping
    typer.echo(f"Wrote {out}: {_counts(mapping)}.")
    typer.echo("Complete the commented entries plans use, then: "
               f"plansync catalogue apply --agency {name} {out}")


@catalogue_app.command("apply")
def apply_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The completed mapping (from discover).")],
    agency: AgencyOption = None,
) -> None:
    """Check FILE against the agency's BenefitPoint as it is now and store it; a bad entry stores nothing."""
    with cli_errors(prefix=PREFIX):
        text = read_map_file(file)
    with _agency_context(agency) as context:
        applied = catalogues.apply(sessions=context.sessions, source=context.benefitpoint,
                                   agency=context.agency, text=text, file_name=str(file))
        name = context.agency.name
    typer.echo(f"Applied {file} to agency {name}: {_counts(applied.mapping)}.")
    if applied.mapping.unmapped_count:
        typer.echo(f"A plan of an unmapped id is an error naming it: plansync catalogue show --agency {name} "
                   "--unmapped")


@catalogue_app.command("show")
def show_command(
    agency: AgencyOption = None,
    unmapped: Annotated[bool, typer.Option("--unmapped", help="Only what the mapping leaves out.")] = False,
    as_json: JsonOption = False,
) -> None:
    """The catalogue the agency's plans are read and written with: applied, or the shipped tables."""
    with _agency_context(agency) as context:
        applied = catalogues.applied_catalogue(sessions=context.sessions, agency=context.agency)
        name = context.agency.name
    mapping = applied.mapping if applied else default_mapping()
    source = "applied" if applied else "shipped"
    document = json.loads(to_json(mapping))
    applied_at = applied.applied_at.isoformat(timespec="seconds") if applied else None
    data: dict[str, Any] = {"agency": name, "source": source, "applied_at": applied_at,
                            "unmapped": document["unmapped"]}
    if not unmapped:
        data.update(product_types=document["product_types"], carriers=document["carriers"])
    emit(data, as_json=as_json, render=lambda: _render(data, mapping, only_unmapped=unmapped))


def _counts(mapping: CatalogueMapping) -> str:
    return (f"{len(mapping.product_types)} product types mapped, {len(mapping.unmapped_types)} unmapped; "
            f"{len(mapping.carriers)} carriers mapped, {len(mapping.unmapped_carriers)} unmapped; "
            f"{len(mapping.unmapped_attributes)} attributes of mapped types unmapped")


def _render(data: dict[str, Any], mapping: CatalogueMapping, *, only_unmapped: bool) -> None:
    origin = (f"catalogue applied {data['applied_at']}" if data["source"] == "applied"
              else "no catalogue applied; the shipped tables (config/) are used")
    typer.echo(f"Agency {data['agency']}: {origin}.")
    if not only_unmapped:
        typer.echo("")
        table([(t.id, t.description, t.coverage.value, t.plan_type, len(t.attributes))
               for t in mapping.product_types],
              headers=("product type", "description", "coverage", "plan type", "attributes"))
        typer.echo("")
        table([(c.id, c.name, c.code) for c in mapping.carriers], headers=("carrier", "name", "code"))
    lines = unmapped_lines(mapping)
    typer.echo("")
    typer.echo(f"Unmapped ({len(lines)}):" if lines else "Nothing unmapped.")
    for line in lines:
        typer.echo(f"  {line}")
