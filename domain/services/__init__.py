"""Domain services: the verbs of the core. Each takes a command and a unit of work, and never commits."""
