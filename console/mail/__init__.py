"""Mail: what the desk sends (``compose``, ``smtp``, ``outbox``) and, later, what it reads."""
