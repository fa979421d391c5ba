"""Lifeboat's Kubernetes API server simulator (Python 3 standard library only)."""
