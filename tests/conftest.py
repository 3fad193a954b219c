"""Fixtures for every test package."""

from __future__ import annotations

pytest_plugins = ["pytester"]  # runs a test subset in-process for the mutation check
