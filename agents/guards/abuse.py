"""Abuse rules: profanity, slurs and threats, in English, Hinglish and Devanagari. A hit is masked ("***").

Abuse is marked apart from complaint: "worst service ever, I want a refund", "bakwas service", "I'll complain to
consumer court" are clean and not hits. Left out on purpose, because customers use them innocently or mildly:
"saala" / "sala", "damn", "hell", "crap", "wtf", "stupid", "useless", "gadha", bare "chut" (a spelling of "chhoot",
discount), bare "gand" ("gandh", smell; "gandi", dirty), "chhod do" (leave it), "kutta" as a pet. "bc" counts
except where English reads it as "because" ("bc I'm busy"); "mc" counts only beside "bc" or another abuse word,
since "mc" also means a period ("mujhe mc hai").
"""

from __future__ import annotations

import re

from agents.guards.text import B, E, Rule, rule

_ENGLISH = (
    r"f+u+c+k+\w*|f\*+c?k\w*|f\*\*\w*|fu?k(?:ing|ed|er|ers|in)|fck\w*|fuk\w*|phuck\w*|motherf\w*|mofo|stfu|gtfo|"
    r"shit\w*|sh\*t|bullshit|bitch\w*|b\*tch\w*|bastard\w*|ass\s?holes?|a\*\*holes?|arse\s?holes?|dick\s?heads?|"
    r"cunt\w*|c\*nt|slut\w*|whore\w*|wh\*re|retard\w*|son\sof\sa\sbitch|piece\sof\sshit|scumbag\w*|douche\w*|"
    r"wanker\w*|twat\w*|jackass\w*|dumbass\w*|dipshit\w*|idiots?|moron\w*|imbecile\w*"
)
_HINGLISH = (
    r"chutiy\w*|chutia\w*|chu\stiy\w*|choot?iy\w*|chootia\w*|ch\*tiya|c\*\*tiya|ma+d[ae]r\s?chh?o+d\w*|mdrchod\w*|madarjaa?t\w*|"
    r"b[aeh]{1,4}n\s?chh?o+d\w*|bhnchod\w*|bkl|bsdk|bhosd\w*|bhosad\w*|bhosri\w*|bosdi\w*|bhosdi\w*|lawd[ae]\w*|"
    r"laud[ae]\w*|lund\w*|lodu\w*|lode|(?:bhen|behen|bahan|maa)\sk[ei]\s(?:lode|laude|lawde|lund)|gaand\w*|gandu\w*|gaandu\w*|gandwa\w*|randi\w*|randwa\w*|harami\w*|haraami\w*|"
    r"haramkhor\w*|haraamkhor\w*|haramzad\w*|haraamzad\w*|kamina|kamine|kaminey|kamini|kameena|kameene|kutte|kutiya|"
    r"kuttiya|kutti|jhaant\w*|jhant\w*|jhaatu\w*|jhatu\w*|bhadwa\w*|bhadwe\w*|bhadve\w*|chinal\w*|chhinal\w*|"
    r"suar\sk[ei]\s(?:aulad|bacch?[ea])|suwar|teri\s(?:maa|ma|behen|behan|bahan)\s(?:ki|ka)"
    + r"(?:\s(?:chut|aankh|bhosd\w*)|(?=\s?[.!?]|$))|maa\sk[ei]\schut|maa\schud\w*"
)
_DEVANAGARI = (
    "चूतिय\\S*|चुतिय\\S*|मादरचोद\\S*|मादरचो\\S*|बहनचोद\\S*|बहन\\sचोद\\S*|बेहनचोद\\S*|भेनचोद\\S*|भेन\\sचोद\\S*|"
    "भोसड़\\S*|भोसड\\S*|भोसडी\\S*|गांडू|गांड\\S*|गाण्ड\\S*|लौड़\\S*|लौड\\S*|लवड़\\S*|लंड\\S*|रंडी\\S*|हरामी\\S*|हरामज़ाद\\S*|"
    "हरामजाद\\S*|हरामखोर\\S*|कमीन\\S*|कुत्ते|कुत्ती|कुतिया|भड़व\\S*|भडव\\S*|झांट\\S*|"
    "तेरी\\s(?:माँ|मां|बहन)\\s(?:की|का)(?:\\s(?:चूत|आंख|भोसड\\S*)|(?=\\s?[.!?।]|$))"
)
# "bc" unless English reads it as "because"; "mc" only with "bc" or an abusive word beside it.
_BECAUSE_NEXT = (r"(?:i|im|i'm|i'll|i've|my|it|its|it's|the|of|you|u|we|he|she|they|there|this|that|is|was|am|a|an|"
                 r"our|your|ur|me|her|his|their|if|when|no|not|nobody|everyone|everything|someone|of|to|we're|they're)")
_ANGRY = frozenset("abe saale saala teri tera kya yaar arre tum tu ye yeh tumhari tumhara mc".split())
_BECAUSE = re.compile(rf"\s{_BECAUSE_NEXT}{E}")
_WORDS_BEFORE = re.compile(r"(\S+)\s$")
_WORD_AFTER = re.compile(r"\s(\S+)")


def _bc_is_abuse(found: re.Match[str]) -> bool:
    """ "bc" at the start of a sentence (unless English "because" follows), at the end, or beside an angry word."""
    text, start, end = found.string, found.start(), found.end()
    before = _WORDS_BEFORE.search(text, max(0, start - 16), start)
    after = _WORD_AFTER.match(text, end)
    if before is not None and before.group(1).strip(",") in _ANGRY:
        return True
    if after is not None and after.group(1).strip(",.!?") in _ANGRY:
        return True
    if not text[end:].strip(" .!?"):
        return True
    at_sentence_start = start == 0 or text[start - 1] == "\n" or (start >= 2 and text[start - 2] in ".!?")
    return at_sentence_start and not _BECAUSE.match(text, end)


_KILL = r"(?:kill|murder|stab|rape)"
_HIT = r"(?:slap|punch|beat(?:\sup)?|attack|hurt|thrash|bash)"
_PERSON = r"(?:you|u|ya|ur|your|him|her|them|every|all|everyone|the\s(?:staff|stylist|owner|manager|barber))"
_PLACE = r"(?:shop|salon|place|store|parlou?r|office|face|car|house)"
_I_WILL = (r"(?:i|we)(?:'ll|ll|\swill|\sshall|'m\sgoing\sto|m\sgoing\sto|\sam\sgoing\sto|'m\sgonna|m\sgonna|"
           r"\sam\sgonna|\sgonna|'re\sgoing\sto|\sare\sgoing\sto|\swould|\sswear\si'll|\sswear\si\swill)?\s")
_THREATS = (
    rf"{_I_WILL}{_KILL}{E}(?!\s(?:for|it|time|myself|ourselves))|"
    rf"{_I_WILL}(?:\w+\s){{0,3}}?{_HIT}\s{_PERSON}{E}|"
    rf"{_I_WILL}shoot\s(?:you|u|him|her|them){E}(?!\s(?:a|an|the|my|me|back|over|message|msg|mail|email|text|quick|some))|"
    r"rape|raped|raping|rapist|"
    rf"{_I_WILL}(?:burn|smash|wreck|vandali[sz]e|break)\s(?:down\s)?(?:your|ur|the|this|that)\s{_PLACE}{E}|"
    r"(?:throw|thrown|pour|throwing)\sacid|acid\s(?:attack|throw|on\syour)|you(?:'re|\sare)\sdead|watch\syour\sback|"
    r"i\sknow\swhere\syou\slive|you\swill\sdie|i'll\sfind\syou|"
    r"(?:tod|tor|phod|fod|maar|mar|jala|jalaa|thok|pel|pitwa|pitwaa|marwa|marwaa)\s?"
    r"(?:d|daal|dal)?\s?(?:unga|ungi|oonga|enge|dunga|dungi|doonga|denge|dalunga|daalunga|dalungi|daalungi|"
    r"dalenge|daalenge)|jaan\sse\smaar\w*|jaan\sse\smar\w*|aag\slaga\s?(?:dunga|dungi|denge|doonga)|"
    r"(?:tujhe|tereko|tuje|tuze|tum\slog(?:on|o)?\sko)\s(?:\w+\s)?dekh\s?"
    r"(?:lunga|lungi|lenge|loonga)|"
    "(?:तोड़|तोड|फोड़|फोड|मार|जला|ठोक|पिटवा|मरवा)\\s?(?:दूंगा|दूँगा|दूंगी|दूँगी|देंगे|डालूंगा|डालूँगा|"
    "डालेंगे)|जान\\sसे\\sमार\\S*|आग\\sलगा\\s?(?:दूंगा|दूँगा|देंगे)|(?:तुझे|तेरेको|तुम\\sलोगों\\sको)\\s(?:\\S+\\s)?"
    "देख\\s?(?:लूंगा|लूँगा|लेंगे)"
)

RULES: tuple[Rule, ...] = (
    rule(rf"{B}(?:{_ENGLISH}){E}", "profanity or slur", "match"),
    rule(rf"{B}(?:{_HINGLISH}){E}", "profanity or slur", "match"),
    rule(rf"{B}(?:{_DEVANAGARI})", "profanity or slur", "match"),
    rule(rf"{B}bc{E}", "profanity or slur", "match", accept=_bc_is_abuse),
    rule(rf"{B}(?:bc\s?mc|mc\s?bc|(?:teri|tera|abe|saale|saala)\smc|mc\s(?:tu|tum|teri|tera|saale|saala|bsdk|bkl|"
         rf"kutte|kamine)){E}", "profanity or slur", "match"),
    rule(rf"{B}(?:{_THREATS})", "threat", "match"),
)
