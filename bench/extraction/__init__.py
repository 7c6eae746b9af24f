"""Extraction benchmark: Entente's extractor against bare trafilatura on saved article pages."""
