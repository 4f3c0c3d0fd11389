"""The append-only audit log: the event model, the one place that records an event, and its wording."""
