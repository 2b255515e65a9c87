"""README blocks known to fail: the ONE list of tolerated failures of the block test.

Empty: every block of the README and of ``docs/`` runs as written. Keep it so. An entry is
``block id -> why``; its block still runs and must fail (a strict ``xfail``), so an entry
whose block was fixed fails the suite until it is removed here. Every block under ``docs/``
must pass: none may be listed.
"""

from __future__ import annotations

README_KNOWN_FAILING: dict[str, str] = {}
