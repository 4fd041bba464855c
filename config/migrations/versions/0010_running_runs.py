"""The runs still `running`, by group: a run's start finds (and closes) an abandoned one without reading
the group's whole run history, which grows by a row a run."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

RUNNING = sa.text("outcome = 'running'")


def upgrade() -> None:
    op.create_index("ix_sync_runs_running", "sync_runs", ["group_connection_id"],
                    postgresql_where=RUNNING, sqlite_where=RUNNING)


def downgrade() -> None:
    op.drop_index("ix_sync_runs_running", table_name="sync_runs")
