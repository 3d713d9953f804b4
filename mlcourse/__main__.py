"""Allow ``python -m mlcourse ...`` as well as the ``mlcourse`` command."""

from mlcourse.cli import main

raise SystemExit(main())
