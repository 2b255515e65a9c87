"""After ``fork()``: what the child must never touch.

A forked child inherits copies of the parent's event loops, sessions and sockets. Their
epoll instance is shared with the parent, so closing (or garbage-collecting) them in the
child would unregister the parent's file descriptors and hang its requests. Every module
that drops such an object in a child hands it to :func:`keep_parent_object` instead.
"""

from __future__ import annotations

__all__ = ["keep_parent_object"]

_kept: list[object] = []


def keep_parent_object(obj: object) -> None:
    """Keep ``obj`` (a parent's loop, session or connection) alive, untouched, forever."""
    if obj is not None:
        _kept.append(obj)
