"""A demo help desk: realistic agents, customers and tickets, built fast and reproducibly.

``build_demo`` fills a new, migrated, empty database with a help desk a support team would
recognise: an admin, three teams with their leads, four departments, customer accounts (a
few with an expired support contract) and their contacts, and tickets in every stage with
the history the ticket services would have written for them.  The newest tickets (and every
fiftieth older one) also carry a conversation, approvals, a resolution, activities, a time
log and attachments.  The same seed, size and "now" always give the same database, so
screenshots and tests can rely on it.

The demo sits beside the data layer, not in it: it writes rows the way the services
would, in the history's own vocabulary (``console.data.history``), but the data layer
never imports it; the command line (``agent-console demo``), the tests and the benchmarks
do.  Its modules, in the order a build uses them:

* ``cast``: the staff, departments, accounts and contacts;
* ``topics``, ``phrases``, ``files``: what tickets are about and the words and files in them;
* ``times``: the clock and the stored text of times;
* ``life``: one ticket's life as timed steps;
* ``generator``: the rows of each ticket and its life, batch by batch;
* ``rows``: the tables and columns the rows fill;
* ``writers``: the bulk writers (SQLite ``executemany`` with fast pragmas, PostgreSQL
  ``COPY``) and the indexes and triggers suspended meanwhile;
* ``build``: ``build_demo`` and ``demo_matches``, the one transaction around it all.
"""

from console.demo.build import DemoSummary, build_demo, demo_matches
from console.demo.times import HISTORY_DAYS

__all__ = ["HISTORY_DAYS", "DemoSummary", "build_demo", "demo_matches"]
