"""Delivery channels of the outbox."""
