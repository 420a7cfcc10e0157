"""`python -m station ...` is the `tierdial` command (for a checkout without the installed script)."""

from station.command_line import main

raise SystemExit(main())
