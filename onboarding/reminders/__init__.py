"""Reminders: digest building, the outbox and its SMTP delivery, calendar feeds, scheduler wiring.

Jobs here take `now` (aware UTC) and are idempotent: `build_digests(now)` claims each
(person, kind, period) once through a unique key, `deliver_outbox(now)` sends each queued message
once. The scheduler (its own process, `onboarding scheduler`) only wires them to a clock.
"""
