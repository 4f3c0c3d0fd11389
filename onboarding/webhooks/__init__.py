"""Outgoing webhooks: endpoints an admin registers, and the signed event deliveries queued for them."""
