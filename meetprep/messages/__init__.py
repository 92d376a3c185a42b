"""Messages: the exactly-once ledger, transports, invitations, reminders, replies, calendar entries and feeds."""
