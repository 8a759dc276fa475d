"""The menu as WhatsApp lists (categories, then a category's services with prices), and the cart: services added
to or taken off the booking being made without starting over."""

from __future__ import annotations

from tests.graphs.chat_kit import Chat, a_free_time_tomorrow, body, bookings_of, options


async def test_the_menu_is_a_list_of_categories_then_of_services_with_prices_each_a_tap_from_booking(
        chat: Chat) -> None:
    menu = await chat.say("Prices", payload="intent:catalog")
    rows = options(menu)
    assert menu.flow == "catalog" and len(rows) == len(chat.deps.snapshot.categories) and rows[0].startswith("cat:")
    grooming = next(c for c in chat.deps.snapshot.categories if c[1] == "Grooming (men)")
    services = await chat.say("Grooming (men)", payload=f"cat:{grooming[0]}")
    assert services.flow == "catalog" and options(services) == [f"svc:{sid}" for sid in grooming[2]]
    listed = services.replies[-1]["interactive"]["action"]["sections"][0]["rows"]
    beard = next(row for row in listed if row["title"] == "Beard trim")
    assert beard["description"] == "₹300 · 20 min"  # from the catalog, not made up
    tapped = await chat.say("Beard trim", payload=beard["id"])
    assert tapped.flow == "book" and "Beard trim" in body(tapped)
    day = await chat.say("kal")  # the day asked for: the booking goes on with the service tapped
    assert day.flow == "book" and options(day) and all(o.startswith("slot:") for o in options(day))


async def test_a_service_added_or_taken_off_changes_the_booking_and_keeps_the_time(chat: Chat) -> None:
    at = await a_free_time_tomorrow(chat, "Men's haircut")
    first = await chat.say(f"kal {at} men's haircut")
    assert first.flow == "book" and options(first)[0] == "confirm:yes"
    more = await chat.say("beard trim bhi karna")
    assert more.flow == "book"
    if options(more)[0] != "confirm:yes":  # both do not fit at that time: the times that fit both
        assert all(o.startswith("slot:") for o in options(more))
        more = await chat.say("first one", payload=options(more)[0])
    assert "Men's haircut + Beard trim" in body(more)
    less = await chat.say("beard trim nahi chahiye, sirf haircut")
    assert less.flow == "book" and options(less)[0] == "confirm:yes"
    assert "Beard trim" not in body(less) and "Men's haircut" in body(less)
    held = [b for b in await bookings_of(chat) if b.status == "held"]
    assert len(held) == 1  # each change gave the previous hold back
