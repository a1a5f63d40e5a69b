"""`python bench/queue.py`: the staff queue benchmark; the code is in staff_queue.py.

A module named ``queue`` hides the standard library's (redis-py imports ``queue``), so
this launcher puts its own folder last on the path before loading the real script."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if p not in (str(HERE), "")] + [str(HERE.parent)]

from bench.staff_queue import main  # noqa: E402

raise SystemExit(main())
