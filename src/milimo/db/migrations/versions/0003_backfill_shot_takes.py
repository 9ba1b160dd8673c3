"""Backfill shot.media_asset_id for shots generated before 0002: the asset whose URL the shot shows.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE shot SET media_asset_id = ("
        " SELECT asset.id FROM asset WHERE asset.url = shot.video_url AND asset.project_id = shot.project_id"
        " ORDER BY asset.created_at DESC LIMIT 1)"
        " WHERE media_asset_id IS NULL AND video_url IS NOT NULL"
    )


def downgrade() -> None:
    pass  # the column keeps the backfilled ids; 0002's downgrade drops it
