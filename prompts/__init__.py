"""Versioned prompt text and exemplars for the models; imports nothing from the rest of Cazo."""
