"""Flask extensions, created once and bound in create_app()."""

from pathlib import Path

from flask_babel import Babel
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from portal.db import db

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")

migrate = Migrate(directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
babel = Babel()
csrf = CSRFProtect()

__all__ = ["babel", "csrf", "db", "migrate"]
