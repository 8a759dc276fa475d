"""Slot extraction: deterministic readings of dates and times from English, Hinglish and Hindi chat messages."""
