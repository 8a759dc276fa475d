"""Typed domain tools: one definition per operation, served to chat (LangChain), REST and the staff console.

Each tool has a pydantic input and output model, the roles that may call it, and whether it changes data.
``tools.base.run_tool`` runs one for a ``tools.context.ToolContext``; ``tools.registry`` lists them all.
"""
