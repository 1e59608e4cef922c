"""Tag catalogues as data: `default.json` is the default catalogue (loaded by services.tagging.domain.catalogue)."""
