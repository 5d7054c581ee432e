"""Stitch Studio: a desktop studio for narrated videos, local models first."""

__version__ = "0.1.0"
