"""Allow ``python -m mlcourse ...`` as well as the ``mlcourse`` command."""

from mlcourse.workbook.cli import main

raise SystemExit(main())
