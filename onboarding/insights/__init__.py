"""Ramp insights: how fast each role ramps and where hires get stuck, as tables, charts, CSV and a command."""
