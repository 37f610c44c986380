"""sot: System Observation Tool, a lightweight full-screen terminal system monitor."""

__version__ = "0.1.0"
