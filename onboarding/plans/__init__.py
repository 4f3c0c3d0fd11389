"""Plans: one per hire, a dated snapshot of a template version, ticked off, signed off, moved, upgraded."""
