"""Meta's WhatsApp Business Cloud API: the webhook's signature, handshake and payloads (``webhook``), the outbound
client for messages, templates and media (``client``) and its exception tree (``errors``); for development and
tests, Meta's webhook bodies built and signed (``payloads``) and a fake Graph API (``fake_graph``, with the body
checks Meta makes in ``graph_checks``)."""
