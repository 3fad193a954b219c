"""Data shapes of the matcher: scenario settings, the encoded scenario and the plan."""
