"""Meta's WhatsApp Business Cloud API: the webhook's signature, handshake and payloads (``webhook``), the outbound
client for messages, templates and media (``client``) and its exception tree (``errors``)."""
