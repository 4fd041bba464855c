"""Change-feed watermarks per system, advanced only after a successful cycle."""

from __future__ import annotations

from sqlalchemy.orm import Session

from reconciliation.storage.tables import WatermarkRow


def get_watermark(session: Session, system: str) -> str | None:
    """The server's watermark from the last successful cycle; None before the first."""
    row = session.get(WatermarkRow, str(system))
    return None if row is None else row.watermark


def set_watermark(session: Session, system: str, watermark: str) -> None:
    """Store the watermark a successful cycle read to."""
    if not watermark.strip():
        raise ValueError(f"watermark for {system}: empty; keep the previous one instead")
    row = session.get(WatermarkRow, str(system)) or WatermarkRow(system=str(system))
    row.watermark = watermark
    session.add(row)
    session.flush()
