"""The conversation's flows: one module per kind of request, each a LangGraph node."""
