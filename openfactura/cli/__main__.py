"""``python -m openfactura.cli``: the ``openfactura`` command."""

from __future__ import annotations

from . import main

raise SystemExit(main())
