"""Leerwerkplek matcher: students to recognised learning workplaces, proven optimal."""

__version__ = "0.1.0"
