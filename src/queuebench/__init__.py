"""queuebench: a keyboard-driven terminal workbench for Tier-3 support escalations."""

__version__ = "0.1.0"
