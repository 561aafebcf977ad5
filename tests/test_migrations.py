"""One Alembic history that builds the schema the models describe."""

import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from portal import create_app
from portal.db import db
from portal.extensions import MIGRATIONS_DIR


def test_models_and_migrations_agree(app):
    """The session database was upgraded from empty to head by the migrations alone."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_single_head_and_date_prefixed_files():
    script = ScriptDirectory(MIGRATIONS_DIR)
    assert len(script.get_heads()) == 1
    for revision in script.walk_revisions():
        assert revision.path.rsplit("/", 1)[-1][:8].isdigit(), revision.path


def test_downgrade_to_empty_and_upgrade_again(tmp_path):
    other = create_app(
        {"SAMEN_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite'}"}
    )
    with other.app_context():
        flask_migrate.upgrade()
        assert "members" in sa.inspect(db.engine).get_table_names()
        flask_migrate.downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        flask_migrate.upgrade()
        assert "inhabitant_counts" in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
