"""The organisation: the working-day rule and its holidays."""
