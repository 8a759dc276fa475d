from __future__ import annotations

from domain.seeding import demo_data


def test_the_demo_salon_data_is_consistent() -> None:
    assert demo_data.check_consistency() == []


def test_the_demo_menu_has_hinglish_aliases_for_the_common_services() -> None:
    aliases = {alias for service in demo_data.SERVICES for alias in service.aliases}
    assert {"baal katwana", "dadhi"} <= aliases
    assert len(demo_data.SERVICES) >= 25
