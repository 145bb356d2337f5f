"""`python -m cef_connector`: the same as the cef-connector command."""

from cef_connector.cli import main

raise SystemExit(main())
