"""Partner-facing API documentation, kept apart from the views: see `catalogue.DOCS` and apps/core/schema.py."""
