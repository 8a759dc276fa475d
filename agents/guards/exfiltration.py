"""Data-exfiltration rules: asking for other customers' data, in bulk or one person at a time, or at the database.

A customer may ask for the salon's number, their own bookings, or book for family ("mummy ka appointment", "my
wife's booking"); none of that is a hit. Hits: lists or dumps of customers, other people's contact details or
bookings ("dusre customers ki list", "someone else's appointment"), a named person's phone number ("Priya ka number
do", "give me Rahul's phone number"), who booked a slot, and SQL or database access. A hit removes its clause.
Group bookings ("sab logon ki booking kar do", "4 aur logon ki booking") are not hits: for people ("log", "people")
only contact details count, for customers and clients bookings count too.
"""

from __future__ import annotations

import re

from agents.guards.text import FILL, B, E, Rule, rule

_CUSTOMER = (r"(?:customers?|clients?|users?|members?|guests?|patrons|visitors|grahak\S*|"
             r"ग्राहक\S*|कस्टमर\S*|क्लाइंट\S*|यूजर\S*)(?!\s(?:care|service|support|helpline|executive|desk|centre|center))")
_PEOPLE = (r"(?:people|persons?|ladies|girls|women|men|others|log|logon|logo|logoon|ladkiyon|ladkiyan|aurton|auraton|"
           r"bande|bandon|लोग|लोगों|लड़कियों|औरतों)")
_CONTACT = (r"(?:numbers?|nos?|nums?|nmbr|nambar|phones?(?:\snumbers?)?|mobiles?(?:\snumbers?)?|cell(?:\snumbers?)?|"
            r"contacts?(?:\s(?:numbers?|details|info|list))?|whatsapp(?:\snumbers?)?|addresses|address|e-?mails?|"
            r"details|data|info(?:rmation)?|lists?|records?|names|database|db|"
            "नंबर\\S*|नम्बर\\S*|फ़ोन|फोन|मोबाइल|कॉन्टैक्ट|संपर्क|लिस्ट|सूची|डिटेल\\S*|जानकारी|डेटा|डाटा|पते|पता)")
_BOOKINGS = (r"(?:bookings?|appointments?|schedules?|timings?|history|bills|invoices|payments|visits|"
             "बुकिंग|अपॉइंटमेंट\\S*|हिस्ट्री)")
_ASK = (r"(?:send|give|share|show|export|dump|download|leak|email|forward|reveal|tell|print|list|provide|get|"
        r"want|need)")
_ASK_HI = r"(?:bhejo|bhej\sdo|do|de\sdo|dedo|dikhao|dikha\sdo|chahiye|share\skaro|send\skaro|भेजो|दो|दिखाओ|चाहिए)"
_CUSTOMER_DATA = (r"list|lists|database|db|dump|export|contacts|numbers|phone\snumbers|emails|records|data|details|"
                  r"info|information")
_ALL = r"(?:all|every|each|entire|whole|complete|full|list\sof(?:\sall)?|your|ur|the)"
_OTHER = r"(?:other|another|different|rest\sof\sthe|remaining)"
_POSSESSIVE = r"(?:'s|s'|s)?"
_OWNERS = frozenset("my mere meri mera hamare hamari hamara our apne apni apna मेरे मेरी मेरा हमारे अपने अपनी".split())
_OWNER = "(?:" + "|".join(sorted(_OWNERS)) + ")"
_MINE_BEFORE = rf"{_OWNER}\s{FILL}?$"
# "remove me from your customer list", "am I on your client list?" are about the customer's own record.
_BULK_VETO = rf"(?:{_OWNER}|from|on|in|off|into|onto)\s{FILL}?$"
_PHONE_WORDS = r"(?:(?:personal|private|phone|mobile|cell|whatsapp|contact|home|ghar\ska|पर्सनल|फ़ोन|फोन|मोबाइल)\s)*"

# Possessors whose number a customer may ask for: the salon and its roles, family, and words that are not people.
_NOT_A_THIRD_PARTY = frozenset("""
salon salons shop store parlour parlor studio spa branch outlet office reception receptionist manager owner boss
business company clinic centre center care support helpline service services your ur yr today tomorrow yesterday
tonight one booking order invoice bill token table wife husband mother mom mum mummy mumma mother's father dad
papa son daughter sister brother bhai bhaiya didi di behen behan pati patni beta beti bete maa maa-ji stylist staff
barber beautician artist therapist team front desk emergency landline whatsapp ghar dukaan dukan malik maalik
aap ap aapka apka tum tumhara tera mera meri mere apna apni apne hamara hamari wale wala wali waale waali is us in
un ye yeh woh wo vo iss uss jis kis sir madam maam mam ma'am ji google map maps location website insta instagram
parlour's it that this place same new old other another customer client upi gpay paytm phonepe payment account
bank card ticket reference complaint tracking otp receipt transaction coupon voucher
सैलून पार्लर दुकान ब्रांच ऑफिस रिसेप्शन मैनेजर मालिक आप आपका तुम तुम्हारा मेरा मेरी अपना हमारा स्टाफ
""".split())
_TITLES = frozenset("ji madam ma'am maam mam sir didi di bhaiya bhai जी".split())
_NAME = re.compile(r"[a-z][a-z-]+|[\u0900-\u097f]+")


def _named_third_party(found: re.Match[str]) -> bool:
    """The word before "'s" / "ka" is a person's name: not the salon, family, a pronoun, a title, nor "my X"."""
    words = found.string[max(0, found.start() - 40):found.start()].split()
    while words and words[-1] in _TITLES:
        words.pop()
    if not words:
        return False
    who = words[-1]
    if len(words) >= 2 and words[-2] in _OWNERS:
        return False
    return bool(_NAME.fullmatch(who)) and who not in _NOT_A_THIRD_PARTY


RULES: tuple[Rule, ...] = (
    # Bulk: "all customer numbers", "list of your clients", "phone numbers of all your customers".
    rule(rf"{B}{_ALL}\s{FILL}{{0,2}}?(?:{_OTHER}\s)?{_CUSTOMER}{_POSSESSIVE}\s{FILL}?(?:{_CONTACT}|{_BOOKINGS}){E}",
         "bulk customer data", veto_before=_BULK_VETO),
    rule(rf"{B}list\sof\s(?:all\s)?(?:your\s|the\s|ur\s)?(?:{_OTHER}\s)?{_CUSTOMER}", "bulk customer data"),
    rule(rf"{B}(?:{_CONTACT}|{_BOOKINGS})\sof\s(?:{_ALL}\s|{_OTHER}\s){FILL}{{0,2}}?(?:{_CUSTOMER}|{_PEOPLE}){E}",
         "bulk customer data"),
    rule(rf"{B}(?:{_ASK}\s{FILL}{{0,3}}?{_CUSTOMER}{_POSSESSIVE}\s(?:{_CUSTOMER_DATA})|{_CUSTOMER}{_POSSESSIVE}\s"
         rf"(?:{_CUSTOMER_DATA})\s{_ASK_HI}){E}", "bulk customer data", veto_before=_MINE_BEFORE),
    rule(rf"{B}{_CONTACT}\sof\s(?:the|that|this|a)\s(?:{FILL}{{0,2}}?)(?:lady|girl|woman|man|guy|person|customer|"
         r"client|boy|aunty|auntie|uncle|gentleman|madam|sir|people)" + E, "another person's data"),
    rule(rf"{B}(?:jo|jitne|jis|jin|jitni)\s{FILL}{{0,5}}?(?:ladki|ladka|log|aurat|aunty|uncle|customer|client|bande|"
         rf"banda|insaan|lady|aadmi|didi|bhaiya|madam|sir)\s{FILL}{{0,5}}?(?:uska|uski|uske|unka|unke|unki|iska|inka|"
         rf"inke)\s{_PHONE_WORDS}(?:numbers?|contacts?|phone|mobile|address|details){E}", "another person's data"),
    # Another person: "other customers' bookings", "someone else's appointment", "other people's numbers".
    rule(rf"{B}{_OTHER}\s{FILL}?{_CUSTOMER}{_POSSESSIVE}\s{FILL}?(?:{_CONTACT}|{_BOOKINGS}){E}",
         "another person's data"),
    rule(rf"{B}{_OTHER}\s{FILL}?{_PEOPLE}{_POSSESSIVE}\s{FILL}?{_CONTACT}{E}", "another person's data"),
    rule(rf"{B}(?:someone|somebody|anyone|anybody)(?:\selse)?(?:'s|s)\s{FILL}?(?:{_CONTACT}|{_BOOKINGS}){E}",
         "another person's data"),
    rule(rf"{B}(?:everyone|everybody)(?:\selse)?(?:'s|s)\s{FILL}?{_CONTACT}{E}", "another person's data"),
    rule(rf"{B}who\s(?:all\s|else\s)?(?:has\s|have\s|is\s|are\s)?(?:booked|(?:got|has|have)\s(?:an?\s)?"
         r"(?:appointments?|bookings?))" + E, "another person's data"),
    rule(rf"{B}which\s(?:other\s)?{_CUSTOMER}\s(?:are|have|has|booked|is)", "another person's data"),
    # Hinglish and Devanagari: "dusre customers ki list", "sab customers ke number", "kisi aur ka number".
    rule(rf"{B}(?:dusr[eia]|doosr[eia]|dusron|doosron|baaki|baki|baaki\ske|baki\ske|other|anya|sab|saar[ei]|sar[ei]|"
         r"sabhi|all|दूसर[ेी]|दूसरों|बाकी|बाक़ी|अन्य|सब|सारे|सभी)\s" + FILL + rf"?{_CUSTOMER}\s(?:ka|ki|ke|का|की|के)\s"
         rf"{FILL}?(?:{_CONTACT}|{_BOOKINGS}){E}", "another person's data"),
    rule(rf"{B}(?:dusr[eia]|doosr[eia]|dusron|doosron|baaki|baki|other|anya|sab|saar[ei]|sabhi|दूसर[ेी]|दूसरों|बाकी|"
         rf"अन्य|सब|सारे|सभी)\s{FILL}?{_PEOPLE}\s(?:ka|ki|ke|का|की|के)\s{FILL}?{_CONTACT}{E}", "another person's data"),
    rule(rf"{B}(?:kisi|किसी)\s(?:aur|or|dusre|doosre|और|दूसरे)\s(?:(?:customer|client|bande|insaan|person|ग्राहक|कस्टमर)"
         rf"\s)?(?:ka|ki|ke|का|की|के)\s{_PHONE_WORDS}(?:{_CONTACT}|bookings?|appointments?|बुकिंग|अपॉइंटमेंट){E}",
         "another person's data"),
    rule(rf"{B}(?:sab(?:ka|ki|ke)|sab\s(?:ka|ki|ke)|sabhi\s(?:ka|ki|ke)|सबका|सबके|सब\sके|सब\sका)\s{_PHONE_WORDS}"
         rf"(?:numbers?|nos?|phones?|mobiles?|contacts?|addresses|नंबर\S*|नम्बर\S*){E}", "another person's data"),
    rule(rf"{B}{_CUSTOMER}\s(?:ki|ka|ke|की|का|के)\s(?:list|lists|database|numbers|contacts|लिस्ट|सूची|नंबर\S*|डेटा){E}",
         "bulk customer data", veto_before=_MINE_BEFORE),
    rule(rf"{B}(?:kis(?:ne|ki|ka|ke)|kaun\s(?:kaun|sa)?\s?(?:customer|client)|किसने|किसकी|किसका)\s{FILL}{{0,4}}?"
         r"(?:booking|book|appointment|slot|बुकिंग|बुक|अपॉइंटमेंट)\s(?:ki|kiya|kari|li|liya|hai|h|है|की|किया)",
         "another person's data"),
    # A named person's contact details: "Priya ka number do", "give me Rahul's phone number".
    rule(rf"(?:'s|(?<=[a-z])s'|\s(?:ka|ki|ke|का|की|के))\s{_PHONE_WORDS}(?:number|numbers|nmbr|nambar|phone|mobile|contact|"
         rf"address|email|e-mail|whatsapp|नंबर|नम्बर|फ़ोन|फोन|मोबाइल|कॉन्टैक्ट){E}", "a named person's contact details",
         accept=_named_third_party),
    # The database itself.
    rule(rf"{B}(?:select\s\*\sfrom|select\s[\w\s,]{{1,60}}\sfrom\s\w+\s?(?:;|where\s\w+\s?=)|drop\stable|"
         r"union\s(?:all\s)?select|insert\sinto\s\w+\s?(?:\(|values)|delete\sfrom\s\w+\s?(?:;|where)|"
         r"truncate\stable|show\stables|information_schema|or\s'?1'?\s?=\s?'?1)", "database access"),
    rule(rf"{B}(?:dump|export|download|extract|scrape|leak|send|give|show|share|access|copy|print)\s{FILL}{{0,3}}?"
         rf"(?:database|db|data\s?base|डेटाबेस){E}",
         "database access"),
    rule(rf"{B}(?:database|db|डेटाबेस)\s(?:dump|export|access|backup|credentials|password|tables?|ka\sdata|"
         rf"ki\sdetails|दिखाओ|दो){E}", "database access"),
)
