"""Abuse rules: profanity, slurs, threats and harassment of staff, in English, Hinglish and Devanagari. A hit is
masked ("***").

Threats cover violence against staff or the salon: "I'll kill/beat ...", weapons brought along ("outside your shop
with a knife", "chaku leke aa raha hoon"), acid ("acid phek dunga", "tezaab"), bombs ("there's a bomb in your
salon", "bomb rakh diya"), stalking ("I know where she lives"), revenge ("settle this with him personally", "nipat
lunga") and tails such as "... or else." / "warna bura hoga". Harassment of staff: sexual or personal interest in a
stylist ("is she single?", "send me her pics") and insults aimed at one ("that fat cow"). Not hits: styles and
slang ("knife cut", "razor cut", "bomb facial", "the bomb", "kill the frizz", "killing it"), skin care ("glycolic
acid peel"), booking a stylist ("is Pooja free at 5?"), and harm to oneself, which is distress (``agents.sentiment``).

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
# "I'll kill the frizz", "we'll kill it at the party": things, not people.
_NOT_A_VICTIM = (r"(?:for|it|time|myself|ourselves|some\stime|frizz|dandruff|lice|germs|bacteria|split\sends|boredom|"
                 r"(?:the|this|that|my|those|these|all\sthe|off\sthe|off\smy)\s(?:\w+\s)?(?:frizz|look|looks|vibe|party|"
                 r"game|grey|gray|greys|grays|dandruff|smell|odou?r|lice|germs|bacteria|split|ends|shine|dullness|"
                 r"boredom|time|mood|weekend|show|competition|dryness|damage|roots))")
_HIT = r"(?:slap|punch|beat(?:\sup)?|attack|hurt|thrash|bash)"
_PERSON = r"(?:you|u|ya|ur|your|him|her|them|every|all|everyone|the\s(?:staff|stylist|owner|manager|barber))"
_PLACE = r"(?:shop|salon|place|store|parlou?r|office|face|car|house|branch|outlet|studio|dukaan|dukan)"
_I_WILL = (r"(?:i|we)(?:'ll|ll|\swill|\sshall|'m\sgoing\sto|m\sgoing\sto|\sam\sgoing\sto|'m\sgonna|m\sgonna|"
           r"\sam\sgonna|\sgonna|'re\sgoing\sto|\sare\sgoing\sto|\swould|\sswear\si'll|\sswear\si\swill)?\s")
# Weapons a person carries. Not acid (peels, serums) nor bomb ("bomb facial", "the bomb"): those have their own rules.
_ARMS = (r"(?:knife|knives|gun|guns|pistol|revolver|rifle|machete|sword|dagger|weapon|weapons|chaku|chaaku|chakku|"
         r"katta|kattaa|talwar|talvar|bandook|banduk|bandooq|tamancha)")
_NOT_A_STYLE = r"(?!\s?-?(?:cut|cuts|cutting|fade|trim|style|edge|edges|shave|taper|texturi[sz]\w*))"
_FUTURE_HI = r"(?:unga|ungi|oonga|enge|dunga|dungi|doonga|denge|lunga|lungi|loonga|lenge)"
_THREATS = (
    rf"{_I_WILL}{_KILL}{E}(?!\s{_NOT_A_VICTIM}{E})|"
    rf"{_I_WILL}(?:\w+\s){{0,3}}?{_HIT}\s{_PERSON}{E}|"
    rf"{_I_WILL}shoot\s(?:you|u|him|her|them){E}(?!\s(?:a|an|the|my|me|back|over|message|msg|mail|email|text|quick|some))|"
    r"rape|raped|raping|rapist|"
    rf"{_I_WILL}(?:burn|smash|wreck|vandali[sz]e|break)\s(?:down\s)?(?:your|ur|the|this|that)\s{_PLACE}{E}|"
    # "I'll come with my boys and break everything in there"
    rf"{_I_WILL}(?:\S+\s){{0,8}}?(?:break|smash|wreck|trash|destroy|burn|torch)\s(?:everything|every\sthing|it\sall|"
    rf"all\sof\sit|the\swhole\s(?:place|shop|salon|store)|the\splace\sdown|down\sthe\splace){E}|"
    r"(?:throw|thrown|pour|throwing)\sacid|acid\s(?:attack|throw|on\syour)|you(?:'re|\sare)\sdead|watch\syour\sback|"
    r"you\swill\sdie|i'll\sfind\syou|"
    # "I know where Pooja lives", "mujhe pata hai woh kahan rehti hai"
    r"(?:i|we)\s(?:\w+\s)?(?:know|knows|found\sout|find\sout|will\sfind\sout|'ll\sfind\sout|have\sfound)\s(?:exactly\s)?"
    rf"where\s(?:you|u|she|he|they|\w+)\s(?:\w+\s)?(?:live|lives|living|stay|stays|staying|sleep|sleeps){E}|"
    r"(?:mujhe|mujhko|humein|hume|hamein|hamko)\s(?:sab\s)?pata\shai\s(?:\S+\s){0,2}?(?:kahan|kaha|kidhar)\s(?:\S+\s)?"
    r"(?:reh|rah)\w*|(?:tera|tumhara|uska|uski|unka)\sghar\sdekh\sliya|"
    # Weapons: "outside your shop with a knife", "I've got a gun", "chaku leke aa raha hoon", "mere paas katta hai"
    rf"(?:outside|waiting|standing|coming|come|came|here|there|sitting|inside|reaching|parked)\s(?:\S+\s){{0,6}}?"
    rf"with\s(?:a|an|my|his|the|some)\s{_ARMS}{E}{_NOT_A_STYLE}|"
    rf"(?:i|we)(?:'ve|'m|\shave|\sam|'ll|\swill|'re|\sare)?\s(?:\w+\s)?(?:got|have|carry|carrying|brought|bring|"
    rf"bringing|holding|packing)\s(?:a\s|an\s|my\s|the\s|some\s)?{_ARMS}{E}{_NOT_A_STYLE}|"
    rf"{_ARMS}\s(?:le\s?ke|lekar|lake|laake|la\skar)\s(?:\S+\s)?(?:aa|aau\w*|aao\w*|aay\w*|aa\w+|pahunch\w*|khada|khadi|"
    rf"khade|baitha|ghus\w*)|mere\s(?:paas|pas)\s(?:\S+\s)?{_ARMS}\s(?:hai|he|h){E}|"
    # Acid: "acid phek dunga", "tezaab daal dunga"
    rf"(?:acid|tezaab|tezab|tejab|tejaab)\s(?:\S+\s){{0,2}}?(?:phek|phenk|fek|fenk|phaink|faink|phenka|feka)\w*|"
    rf"(?:acid|tezaab|tezab|tejab|tejaab)\s(?:\S+\s){{0,2}}?(?:daal|dal)\s?(?:d|de)?{_FUTURE_HI}|"
    rf"(?:phek|phenk|fek|fenk)\s?(?:d|de)?{_FUTURE_HI}\s(?:\S+\s){{0,2}}?(?:acid|tezaab|tezab|tejab|tejaab){E}|"
    # Bombs, not "bomb facial" or "the bomb": "there's a bomb in your salon", "bomb rakh diya hai", "salon uda dunga"
    rf"there(?:'s|\sis|s)\s(?:a\s)?bombs?{E}|(?:plant|planted|planting|place|placed|put|kept|left|hid|hidden)\s"
    rf"(?:a\s)?bombs?{E}|(?<!the\s)bombs?\s(?:in|at|inside|under|near)\s(?:your|ur|the|this|that)\s(?:\S+\s){{0,2}}?"
    rf"{_PLACE}{E}|blow\sup\s(?:your|ur|the|this|that)\s(?:\S+\s){{0,2}}?{_PLACE}{E}|bomb\sthreat|"
    rf"(?:bomb|bam)\s(?:\S+\s)?(?:rakh|rakha|rakhi|rakhe|rakhenge|rakhunga|lagaya|lagaunga|lagayenge|fod|phod|fat|phat)"
    rf"\w*|(?:bomb|bam|goli|goliyon)\s(?:se\s)?(?:uda|udaa)\w*|{_PLACE}\s(?:ko\s)?(?:uda|udaa)\s?(?:d|de)?{_FUTURE_HI}|"
    # Threats in a tail: "... or else.", "evacuate or you'll regret it", "warna bura hoga"
    r"or\selse(?=\s?[.!?]|\s?$)|(?:or|otherwise)\s(?:else\s)?you(?:'ll|\swill)\s(?:regret|be\ssorry|pay\sfor)|"
    r"(?:warna|varna|nahi\sto|nahin\sto|nai\sto)\s(?:fir\s|phir\s)?(?:dekh\slena|dekh\slenge|dekh\slunga|"
    r"anjaa?m\sbura|bura\shoga|accha\snahi\shoga|acha\snahi\shoga)|"
    # "I'll settle this with him personally", "usse main khud nipat lunga", "sabak sikha dunga"
    r"settle\s(?:this|it|things|the\smatter|matters)\swith\s(?:him|her|them|you|u|\w+)\s(?:personally|outside|"
    r"my\sway|the\shard\sway|the\sold\sway)|settle\s(?:the|a)\sscore|teach\s(?:him|her|them|you|u)\sa\slesson|"
    rf"(?:nipat|nipt|nibat|niptaa?)\s?{_FUTURE_HI}|(?:sabak|sabaq)\ssikha\w*|(?:hisaab|hisab)\sbarabar\skar\w*|"
    rf"(?:gunde|gundo|goons)\s(?:\S+\s)?(?:bhej|le\s?ke|lekar|laa?\w*)|"
    r"(?:tod|tor|phod|fod|maar|mar|jala|jalaa|thok|pel|pitwa|pitwaa|marwa|marwaa)\s?"
    r"(?:d|daal|dal)?\s?(?:unga|ungi|oonga|enge|dunga|dungi|doonga|denge|dalunga|daalunga|dalungi|daalungi|"
    r"dalenge|daalenge)|jaan\sse\smaar\w*|jaan\sse\smar\w*|aag\slaga\s?(?:dunga|dungi|denge|doonga)|"
    r"(?:tujhe|tereko|tuje|tuze|tum\slog(?:on|o)?\sko)\s(?:\w+\s)?dekh\s?"
    r"(?:lunga|lungi|lenge|loonga)|"
    "(?:तोड़|तोड|फोड़|फोड|मार|जला|ठोक|पिटवा|मरवा)\\s?(?:दूंगा|दूँगा|दूंगी|दूँगी|देंगे|डालूंगा|डालूँगा|"
    "डालेंगे)|जान\\sसे\\sमार\\S*|आग\\sलगा\\s?(?:दूंगा|दूँगा|देंगे)|(?:तुझे|तेरेको|तुम\\sलोगों\\sको)\\s(?:\\S+\\s)?"
    "देख\\s?(?:लूंगा|लूँगा|लेंगे)|"
    "(?:तेज़ाब|तेजाब|एसिड)\\s(?:\\S+\\s){0,2}?(?:फेंक|फेक|डाल\\s?दूंगा|डाल\\s?दूँगा)\\S*|"
    "(?:चाकू|बंदूक|बन्दूक|कट्टा|तलवार|पिस्तौल|तमंचा|हथियार)\\s(?:लेकर|ले\\sके|लेके)|"
    "मेरे\\sपास\\s(?:\\S+\\s)?(?:चाकू|बंदूक|बन्दूक|कट्टा|तलवार|पिस्तौल|तमंचा|हथियार)\\sहै|"
    "(?:बम|बॉम्ब)\\s(?:\\S+\\s)?(?:रख|लगा|फोड़|फोड|से\\sउड़ा|से\\sउडा)\\S*|उड़ा\\s?(?:दूंगा|दूँगा|देंगे)|"
    "(?:मुझे|हमें)\\sपता\\sहै\\s(?:\\S+\\s){0,2}?(?:कहाँ|कहां|किधर)\\s(?:\\S+\\s)?(?:रहता|रहती|रहते)|"
    "(?:निपट|निपटा)\\s?(?:लूंगा|लूँगा|लेंगे|दूंगा|दूँगा)|सबक\\sसिखा\\S*|(?:वरना|नहीं\\sतो)\\s(?:देख\\sलेना|बुरा\\sहोगा|"
    "अच्छा\\sनहीं\\sहोगा|अंजाम\\sबुरा)"
)
# Harassment of staff: sexual or personal interest in a stylist, and insults aimed at one. "is Pooja free at 5",
# "send me photos of her work", "stylist ka number do" are not hits.
_NOT_A_THING = r"(?!it\s|this\s|that\s|there\s|the\s|ye\s|yeh\s|ya\s|pack\s|room\s|session\s|seat\s|chair\s)"
_A_THING_BEFORE = (r"(?:^|\s)(?:it|this|that|there|the|ye|yeh|ya|pack|room|session|seat|chair|bed|combo|package|"
                   r"offer|plan|service|slot)\s(?:abhi\s|bhi\s)?$|^\s*$")
_ANIMAL = r"(?:cow|pig|hag|witch|buffalo|donkey|monkey|whale|bimbo|rat|snake|dog|bitch|slut|cunt)"
_HARASSMENT = (
    rf"is\s{_NOT_A_THING}(?:she|he|\w+)\s(?:still\s)?(?:single|married|taken|available\sfor\s(?:a\s)?(?:date|dinner|"
    r"drinks?|coffee|the\snight))(?=\s?[?.!,]|\s(?:or|and|na|hai|kya)|\s?$)|"
    r"(?:does|do|did)\s(?:she|he|\w+)\shave\sa\s(?:boyfriend|girlfriend|bf|gf)|"
    r"(?:send|share|give|forward|show)\s(?:me\s|us\s)?(?:her|his)\s(?:(?:personal|private|hot|sexy|own|real)\s)?"
    r"(?:pics?|photos?|pictures?|selfies?|nudes|snaps?|insta\w*|snapchat|dp)|"
    r"(?:her|his)\s(?:personal|private|home|house|residential|own)\s(?:number|no|phone|mobile|whatsapp|address|insta\w*)|"
    r"where\sdoes\s(?:she|he|\w+)\slive|"
    r"(?:she|he)(?:'s|\sis|s)\s(?:so\s|very\s|really\s|too\s|damn\s)?(?:hot|sexy)|"
    r"take\s(?:her|him)\sout(?:\son\sa\sdate)?|(?:go\sout|date|hook\sup|sleep)\swith\s(?:her|him)|"
    rf"(?:fat|ugly|stupid|dumb|old|lazy|dirty|useless|bald|black|kali|kaali|moti)\s{_ANIMAL}|"
    rf"(?:that|this|you|u|your)\s{_ANIMAL}(?!\s?(?:print|prints|skin|tail|tails|milk|ghee|oil|plant|hair|mask|"
    r"leather|pattern|design))|"
    r"(?:uski|unki|iski)\s(?:hot|sexy|personal|private)\s(?:pics?|photos?|photo|tasveer\w*|selfie\w*)|"
    r"(?:uska|unka|iska|uski|unki|iski)\s(?:personal|private|ghar\ska)\s(?:number|no|address|pata)|"
    r"(?:uska|uski|iska|iski|unka|unki)\s(?:koi\s)?(?:boyfriend|bf|girlfriend|gf)\s(?:hai|he|h)|"
    r"setting\s(?:karwa|karva|kara|karwado|karvado)\w*|(?:patana|pataana|patani|pataani|patao|pataao)\s(?:hai|he|h|"
    r"ka|ki|hoga)|line\smaar\w*|(?:hot|sexy)\s(?:lagti|dikhti)|sexy\s(?:hai|he|h)|"
    r"moti\s(?:bhains|bhainsi|gaay|haathi|hathi)|chudail|churail|bhains\s(?:jaisi|ki\starah)|"
    "मोटी\\sभैंस|चुड़ैल|चुडैल|क्या\\s\\S+\\sसिंगल\\sहै|(?:वो|वह)\\sसिंगल\\sहै|उसकी\\s(?:सेक्सी|हॉट)\\s\\S+"
)
# A threat against oneself ("khud ko maar dungi") is distress, read by agents.sentiment, not a threat to staff.
_SELF_BEFORE = r"(?:khud\sko|khudko|apne\s?aap\sko|apne\sap\sko|apneaap\sko|खुद\sको|ख़ुद\sको|अपने\sआप\sको)\s$"

RULES: tuple[Rule, ...] = (
    rule(rf"{B}(?:{_ENGLISH}){E}", "profanity or slur", "match"),
    rule(rf"{B}(?:{_HINGLISH}){E}", "profanity or slur", "match"),
    rule(rf"{B}(?:{_DEVANAGARI})", "profanity or slur", "match"),
    rule(rf"{B}bc{E}", "profanity or slur", "match", accept=_bc_is_abuse),
    rule(rf"{B}(?:bc\s?mc|mc\s?bc|(?:teri|tera|abe|saale|saala)\smc|mc\s(?:tu|tum|teri|tera|saale|saala|bsdk|bkl|"
         rf"kutte|kamine)){E}", "profanity or slur", "match"),
    rule(rf"{B}(?:{_THREATS})", "threat", "match", veto_before=_SELF_BEFORE),
    rule(rf"{B}(?:{_HARASSMENT})", "harassment of staff", "match"),
    # "kya Neha single hai?", not "ye pack single hai ya combo?"
    rule(rf"{B}single\s(?:hai|he|h)(?:\s(?:kya|na))?{E}", "harassment of staff", "match", veto_before=_A_THING_BEFORE),
)
