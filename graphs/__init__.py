"""LangGraph state machines: the customer conversation (and, later, staff chat and nudge runs)."""
