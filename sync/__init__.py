"""Merging device changes into the central database: pure Python, no Flask import."""
