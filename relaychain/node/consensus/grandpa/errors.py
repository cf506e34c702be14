"""GRANDPA's typed errors (shared by the round logic, justifications and the voter)."""

from __future__ import annotations


class GrandpaError(Exception):
    """Base of GRANDPA errors."""


class JustificationError(GrandpaError):
    """A justification (or commit) does not prove finality of its target; the message says why."""
