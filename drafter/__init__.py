"""drafter: win back a customer your company has hurt."""

__version__ = "0.1.0"
