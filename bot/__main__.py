"""``python -m bot`` is the ``zundabot`` command."""

from bot.cli import main

raise SystemExit(main())
