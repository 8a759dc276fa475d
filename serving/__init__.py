"""Model clients and their configuration: embeddings (CPU, offline), and later the vLLM and OpenAI clients."""
