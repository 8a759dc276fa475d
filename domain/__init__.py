"""The lean multi-tenant core: entities, rules, domain services and the unit of work.

Imports nothing from Cazo's other packages, nor any web, chat or model framework.
"""
