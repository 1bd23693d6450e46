"""Mail.  In: reading customers' mail as plain data (``parse``), and the rules of what
becomes of it (``rules``: automatic mail, priority, threading); the storing is
``console.data.mail``; reading mailboxes is ``console.mail.sources``.  Out: composing what
the desk sends (``compose``) and sending the outbox over SMTP (``smtp``, ``sender``); the
outbox itself is ``console.data.outbox``.  No database in ``parse``, ``rules``,
``compose`` or ``smtp``."""
