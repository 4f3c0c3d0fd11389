"""The outbox: messages queued in the same transaction as the change that caused them, delivered by a
separate step (`deliver_outbox(now)`) through a channel (channels/email.py), retried with backoff."""
