"""Mail in: reading customers' mail as plain data (``parse``), and the rules of what becomes
of it (``rules``: automatic mail, priority, threading).  No database here: the storing is
``console.data.mail``; reading mailboxes is ``console.mail.sources``."""
