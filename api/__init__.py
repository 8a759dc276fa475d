"""The HTTP edge: FastAPI app factory, dependencies, problem responses and routers."""
