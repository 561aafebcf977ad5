"""data version: the token every writing transaction replaces (portal.data_version)

Revision ID: e5a1d7c3b902
Revises: bfd666ef741d
Create Date: 2026-11-28 21:50:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e5a1d7c3b902"
down_revision = "bfd666ef741d"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.bulk_insert(table, [{"id": 1, "token": secrets.token_hex(16)}])


def downgrade():
    op.drop_table("data_version")
