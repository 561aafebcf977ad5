"""Maps of Dutch municipalities, drawn server-side from CBS boundaries (see data/README.md)."""
