"""Meta's WhatsApp Business Cloud API: the webhook's signature, handshake and payloads (``webhook``)."""
