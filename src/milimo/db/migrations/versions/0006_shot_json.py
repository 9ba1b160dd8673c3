"""shot_json: each shot as the project state sends it, kept by triggers (studio.state.ensure_shot_json);
shots indexed in the state's order

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 17:10:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# The triggers are the code's (their SQL follows the shot fields), installed and filled at start-up.
TRIGGERS = ("shot_json_insert", "shot_json_update", "shot_json_delete")


def upgrade() -> None:
    op.create_table(
        'shot_json',
        sa.Column('shot_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint('shot_id'),
    )
    with op.batch_alter_table('shot', schema=None) as batch_op:
        batch_op.drop_index('ix_shot_project_track_start')
        batch_op.create_index('ix_shot_project_order', ['project_id', 'track_index', 'start_frame', 'index', 'created_at'], unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:  # a trigger writing into a dropped table would fail every shot write
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table('shot_json')
    with op.batch_alter_table('shot', schema=None) as batch_op:
        batch_op.drop_index('ix_shot_project_order')
        batch_op.create_index('ix_shot_project_track_start', ['project_id', 'track_index', 'start_frame'], unique=False)
