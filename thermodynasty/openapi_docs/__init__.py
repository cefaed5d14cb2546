"""Partner-facing API documentation, kept apart from the views: see `catalogue.DOCS` and thermodynasty/schema.py."""
