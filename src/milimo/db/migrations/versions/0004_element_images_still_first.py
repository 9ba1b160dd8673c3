"""elements: ordered reference images (elementimage), still first (shot.still_first, shot.keyframe_asset_id),
linked jobs (job.after_job_id)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:51:15.938401
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('elementimage',
    sa.Column('element_id', sa.String(length=64), nullable=False),
    sa.Column('asset_id', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name='fk_elementimage_asset_id_asset', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['element_id'], ['element.id'], name='fk_elementimage_element_id_element', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('element_id', 'asset_id')
    )
    with op.batch_alter_table('elementimage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_elementimage_asset_id'), ['asset_id'], unique=False)

    # An element's one image becomes its primary reference before the column goes.
    op.execute("INSERT INTO elementimage (element_id, asset_id, position) "
               "SELECT e.id, e.image_asset_id, 0 FROM element e JOIN asset a ON a.id = e.image_asset_id")

    with op.batch_alter_table('element', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.execute("UPDATE element SET updated_at = created_at")
    with op.batch_alter_table('element', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False)
        # the foreign key of image_asset_id goes with the column (the batch copy omits it; PostgreSQL drops it)
        batch_op.drop_column('image_asset_id')
        batch_op.drop_column('image_url')

    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('after_job_id', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_job_after_job_id'), ['after_job_id'], unique=False)
        batch_op.create_foreign_key('fk_job_after_job_id_job', 'job', ['after_job_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('shot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('still_first', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('keyframe_asset_id', sa.String(length=64), nullable=True))
        batch_op.create_foreign_key('fk_shot_keyframe_asset_id_asset', 'asset', ['keyframe_asset_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('shot', schema=None) as batch_op:
        batch_op.drop_constraint('fk_shot_keyframe_asset_id_asset', type_='foreignkey')
        batch_op.drop_column('keyframe_asset_id')
        batch_op.drop_column('still_first')

    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_constraint('fk_job_after_job_id_job', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_job_after_job_id'))
        batch_op.drop_column('after_job_id')

    with op.batch_alter_table('element', schema=None) as batch_op:
        batch_op.add_column(sa.Column('image_url', sa.VARCHAR(), nullable=True))
        batch_op.add_column(sa.Column('image_asset_id', sa.VARCHAR(length=64), nullable=True))
        batch_op.create_foreign_key('fk_element_image_asset_id_asset', 'asset', ['image_asset_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_column('updated_at')
    op.execute("UPDATE element SET image_asset_id = (SELECT asset_id FROM elementimage i WHERE i.element_id = element.id "
               "ORDER BY position LIMIT 1)")

    with op.batch_alter_table('elementimage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_elementimage_asset_id'))

    op.drop_table('elementimage')
