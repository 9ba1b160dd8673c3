"""storyboard: the transition after a shot (shot.transition) and dual dialogue (shot.dual_dialogue)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:17:15.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Server defaults fill the rows that exist (no transition, not dual) on SQLite and PostgreSQL alike.
    with op.batch_alter_table('shot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transition', sqlmodel.sql.sqltypes.AutoString(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('dual_dialogue', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('shot', schema=None) as batch_op:
        batch_op.drop_column('dual_dialogue')
        batch_op.drop_column('transition')
