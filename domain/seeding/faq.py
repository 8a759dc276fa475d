"""A salon's starting knowledge base: the answers customers ask for most, written from its own branch data.

Hours and address come from the salon's first branch; the policies are the demo salon's (a real salon edits them).
Each entry has the phrasings customers use in English, Hinglish and Hindi, and an answer in each language. The
embeddings are filled in later by the understanding layer (``agents.faq``), which owns the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from domain.hours import WEEKDAYS, Interval, weekday_number
from domain.models import FaqEntry
from domain.seeding.demo_data import BranchSeed
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class FaqSeed:
    topic: str
    phrasings: tuple[str, ...]
    answers: dict[str, str]


def _hours_line(branch: BranchSeed) -> str:
    spans = {weekday_number(day): Interval.parse(text) for day, text in branch.hours.items()}
    parts = []
    for number, day in enumerate(WEEKDAYS):
        span = spans.get(number)
        parts.append(f"{day.title()} {span.starts:%H:%M}-{span.ends:%H:%M}" if span else f"{day.title()} closed")
    return ", ".join(parts)


def faq_for(branch: BranchSeed) -> tuple[FaqSeed, ...]:
    hours = _hours_line(branch)
    address = ", ".join(part for part in (branch.address_line1, branch.address_line2, branch.locality, branch.city,
                                          branch.pincode) if part)
    return (
        FaqSeed("hours", (
            "what are your timings", "when do you open", "what time do you close", "are you open on sunday",
            "salon kitne baje khulta hai", "kab tak khula rehta hai", "sunday ko open ho", "सैलून कब खुलता है",
            "आप कितने बजे तक खुले हैं"), {
            "en": f"{branch.name} is open {hours}.",
            "hinglish": f"{branch.name} ka time: {hours}.",
            "hi": f"{branch.name} का समय: {hours}।"}),
        FaqSeed("location", (
            "where are you located", "what is your address", "send location", "how do i reach you",
            "address bhejo", "salon kahan hai", "location bhej do", "आपका पता क्या है", "सैलून कहाँ है"), {
            "en": f"We are at {address}. Call us on {branch.phone_e164} if you get lost.",
            "hinglish": f"Hum yahan hain: {address}. Raasta na mile toh {branch.phone_e164} pe call kijiye.",
            "hi": f"हमारा पता: {address}। रास्ता न मिले तो {branch.phone_e164} पर कॉल कीजिए।"}),
        FaqSeed("parking", (
            "is there parking", "where can i park", "car parking available", "parking hai kya",
            "gaadi kahan lagaun", "क्या पार्किंग है"), {
            "en": "There is paid street parking on 29th Road and a pay-and-park near Pali Naka, two minutes' walk.",
            "hinglish": "29th Road pe paid parking hai, aur Pali Naka ke paas pay-and-park, do minute paidal.",
            "hi": "29th रोड पर पेड पार्किंग है, और पाली नाका के पास पे-एंड-पार्क, दो मिनट पैदल।"}),
        FaqSeed("payment_methods", (
            "how can i pay", "do you accept cards", "can i pay by upi", "gpay chalega", "cash lete ho",
            "payment kaise karein", "क्या कार्ड से पेमेंट हो सकता है"), {
            "en": "We take UPI (GPay, PhonePe, Paytm), debit and credit cards, and cash.",
            "hinglish": "UPI (GPay, PhonePe, Paytm), debit/credit card aur cash, sab chalega.",
            "hi": "UPI (GPay, PhonePe, Paytm), डेबिट/क्रेडिट कार्ड और कैश, सब चलेगा।"}),
        FaqSeed("cancellation_policy", (
            "what is your cancellation policy", "can i cancel for free", "is there a cancellation charge",
            "cancel karne ka charge hai kya", "कैंसिल करने का कोई चार्ज है"), {
            "en": "You can cancel or move a booking for free up to 2 hours before it starts, right here in chat.",
            "hinglish": "Booking shuru hone se 2 ghante pehle tak free mein cancel ya shift kar sakte hain, yahin "
                        "chat mein.",
            "hi": "बुकिंग शुरू होने से 2 घंटे पहले तक मुफ़्त में रद्द या बदल सकते हैं, यहीं चैट में।"}),
        FaqSeed("walk_ins", (
            "do you take walk ins", "can i come without appointment", "bina appointment ke aa sakte hain",
            "walk in chalega", "क्या बिना अपॉइंटमेंट आ सकते हैं"), {
            "en": "Walk-ins are welcome when a chair is free, but booking here guarantees your time.",
            "hinglish": "Chair free ho toh walk-in chalega, par yahan book karne se aapka time pakka rehta hai.",
            "hi": "कुर्सी खाली हो तो बिना अपॉइंटमेंट आ सकते हैं, पर यहाँ बुक करने से आपका समय पक्का रहता है।"}),
        FaqSeed("home_service", (
            "do you do home service", "can someone come home", "ghar pe service milegi", "home service dete ho",
            "क्या घर पर सर्विस मिलती है"), {
            "en": "Sorry, we only serve at the salon; there is no home service.",
            "hinglish": "Sorry, sirf salon mein service hoti hai; home service nahi hai.",
            "hi": "माफ़ कीजिए, सर्विस सिर्फ़ सैलून में होती है; घर पर सर्विस नहीं है।"}),
        FaqSeed("products", (
            "which products do you use", "what brands do you use for hair colour", "kaunse products use karte ho",
            "आप कौन से प्रोडक्ट इस्तेमाल करते हैं"), {
            "en": "We use L'Oréal Professionnel and Schwarzkopf for hair, and O3+ and Lotus Professional for skin.",
            "hinglish": "Hair ke liye L'Oréal Professionnel aur Schwarzkopf, skin ke liye O3+ aur Lotus "
                        "Professional.",
            "hi": "बालों के लिए L'Oréal Professionnel और Schwarzkopf, त्वचा के लिए O3+ और Lotus Professional।"}),
    )


async def seed_faq(uow: UnitOfWork, branch: BranchSeed) -> int:
    """Add the starting knowledge base to the unit of work's salon unless it has one already; returns how many."""
    existing = await uow.session.scalar(select(func.count()).select_from(FaqEntry))
    if existing:
        return 0
    entries = faq_for(branch)
    for entry in entries:
        uow.session.add(FaqEntry(tenant_id=uow.require_tenant(), topic=entry.topic, phrasings=list(entry.phrasings),
                                 answers=dict(entry.answers)))
    await uow.session.flush()
    return len(entries)
