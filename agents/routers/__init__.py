"""L2 intent routers (embedding classifier, small LLM) and the L3 large model, behind one protocol (base.Router)."""
