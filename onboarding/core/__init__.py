"""What every concept uses: the database base and types, the clock, the phase vocabulary, errors,
web and form helpers. Nothing in core imports a concept package."""
