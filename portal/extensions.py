"""Flask extensions, created once and bound in create_app()."""

from pathlib import Path

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from portal.db import db

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")

migrate = Migrate(directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
babel = Babel()
csrf = CSRFProtect()
# No default limits: only the routes that ask for one (the login) are limited.
limiter = Limiter(get_remote_address)

__all__ = ["babel", "csrf", "db", "limiter", "migrate"]
