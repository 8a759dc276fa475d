"""Understanding messages: normalisation, rules, routers, slot extraction."""
