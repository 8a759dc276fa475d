"""Adapters to the outside world (Meta's WhatsApp Cloud API, payments, SMS), behind small protocols.

Each adapter speaks its service's wire format and hands the rest of Cazo plain domain records; only the
composition root (``cazo``) and the HTTP edge (``api``) pick a concrete one.
"""
