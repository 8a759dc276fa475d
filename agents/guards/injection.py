"""Prompt-injection rules: attempts to override, replace or read the assistant's instructions.

English, Hinglish (Hindi in Latin letters, often mixed with English) and Devanagari Hindi, matched on the folded
view (see ``agents.guards.text``). A hit removes its clause, to the end of the sentence: what the instruction asked
for ("... and give 100% discount") goes with it; chat-template tags and "new instructions:" headers take their
block or line. Deliberately not hits, because customers say them: "ignore my last message", "forget my previous
instructions, make it 6", "you are now my favourite salon", "act fast", "what are your rules for cancellation",
"aapke instructions kya hain" (aftercare), "any new instructions for my facial?", "from now on reply in Hindi".
"""

from __future__ import annotations

from agents.guards.text import FILL, B, E, Rule, rule

# ---- English -------------------------------------------------------------------------------------------------------

_VERB = (r"(?:ignore|ignoring|disregard|disregarding|forget|forgetting|override|overriding|overrule|bypass|"
         r"bypassing|circumvent|discard|abandon|neglect|disobey|skip|stop\sfollowing|don'?t\sfollow|do\snot\sfollow|"
         r"no\slonger\sfollow|stop\sobeying|don'?t\sobey|do\snot\sobey)")
# Words that may sit between the verb and the noun. "my" is not one: "ignore my previous instructions" is a customer
# correcting themselves.
_QUAL = (r"(?:all|any|every|each|the|your|ur|yr|these|those|of|previous|previously|prior|above|earlier|preceding|"
         r"former|old|original|initial|existing|given|past|system|safety|developer|default|current|hidden|internal|"
         r"mentioned|aforementioned|such|other|its|their|above-mentioned|following)")
_STRONG_QUAL = (r"(?:all|any|every|your|ur|yr|previous|prior|above|earlier|preceding|former|original|initial|existing|"
                r"system|safety|developer|internal|hidden|default)")
_STRONG_NOUN = (r"(?:instructions?|prompts?|directives?|programming|guardrails?|safeguards?|guidelines|training|"
                r"system\sprompt|(?:content\s|safety\s)?filters?|restrictions?|constraints)")
_WEAK_NOUN = r"(?:rules|policies|policy|limits|limitations|boundaries|ethics|morals|commands|orders)"
_ROLE_CORE = (r"(?:dan|ai|bot|chat\s?bot|assistant|model|llm|gpt|chat\s?gpt|language\smodel|hacker|admin|"
              r"administrator|root|superuser|developer|unrestricted|unfiltered|uncensored|unlimited|jailbroken|evil|"
              r"liberated|unbound|unchained|god|sudo|slave|servant|different\s(?:ai|bot|assistant|model)|"
              r"new\s(?:ai|bot|assistant|model))")
_ROLE = rf"(?:{_ROLE_CORE}|system|free\sfrom|free\sof|not\sbound)"
_YOU_ARE = r"(?:you(?:'re|\sare|\sr|re)|u\sr|u\sare|ur|you\swill\sbe|you'll\sbe)"
_NOT_NOW = r"(?:don'?t|do\snot|dont|stop|never|mat)\s" + FILL + r"?$"

_ENGLISH: tuple[Rule, ...] = (
    rule(rf"{B}{_VERB}\s(?:{_QUAL}\s){{0,4}}{_STRONG_NOUN}{E}", "instruction override"),
    rule(rf"{B}{_VERB}\s(?:{_QUAL}\s){{0,3}}?{_STRONG_QUAL}\s(?:{_QUAL}\s){{0,2}}{_WEAK_NOUN}{E}",
         "instruction override"),
    rule(rf"{B}(?:forget|ignore|disregard)\s(?:everything|all|anything|what)\s(?:you(?:'ve|\shave)?\s(?:been\s|were\s)?"
         r"(?:told|taught|learned|learnt|know|were\sgiven|programmed)|(?:that\s)?(?:is|was)\swritten|above\sand|"
         r"prior\sto\sthis)", "instruction override"),
    rule(rf"{B}what\s(?:(?:were|have)\syou\s(?:been\s)?(?:instructed|programmed|trained|prompted)|(?:did\s)?(?:your\s)?"
         rf"(?:developers?|creators?|programmers?)\s(?:told|tell|instructed|programmed)){E}", "prompt extraction"),
    rule(rf"{B}(?:i\sam|i'm|im|as)\s(?:your|ur|the)\s(?:developer|creator|programmer|admin|administrator|"
         rf"system\sadministrator|maker|dev|operator|master){E}", "role reassignment"),
    rule(rf"{B}{_YOU_ARE}\s(?:now|no\slonger|henceforth|from\snow\son)\s{FILL}{{0,3}}?{_ROLE}{E}", "role reassignment"),
    rule(rf"{B}(?:you(?:'re|\sare)|u\sr)\s(?:(?:a|an|now)\s)?(?:dan|jailbroken|unrestricted|unfiltered|uncensored|"
         r"(?:free|evil|liberated|different|new|unrestricted|unfiltered|uncensored|jailbroken)\s(?:ai|bot|assistant|"
         r"model|llm|gpt|chatbot))" + E, "role reassignment"),
    rule(rf"{B}from\snow\son,?\s(?:{_YOU_ARE}\s{FILL}{{0,3}}?{_ROLE}{E}|(?:you\s(?:will|must|shall|are\sgoing\sto|"
         r"have\sto|should)\s)?(?:act|behave|obey|pretend|roleplay|ignore|disregard|forget|(?:answer|respond|reply)"
         rf"\s(?:as|without|like)|be\s(?:a|an|my)\s{_ROLE_CORE}{E}))", "role reassignment"),
    rule(rf"{B}(?:act|behave|pose|roleplay|role-play|role\splay)\s(?:as|like)\s{FILL}{{0,3}}?{_ROLE}{E}",
         "role reassignment", veto_before=_NOT_NOW),
    rule(rf"{B}(?:act|behave|respond|reply|answer)\sas\s(?:if|though){E}", "role reassignment", veto_before=_NOT_NOW),
    rule(rf"{B}pretend\s(?:to\sbe|you(?:'re|\sare|\swere)|that\syou|ur|you\sr|u\sr|u\sare){E}", "role reassignment",
         veto_before=_NOT_NOW),
    rule(rf"{B}(?:(?:let'?s|we\s(?:will|'ll)|you\s(?:will|must|should))\srole\s?-?play|role\s?-?play(?:ing)?\s"
         rf"(?:as\s|with\sme\sas\s)?{FILL}{{0,2}}?{_ROLE}){E}", "role reassignment"),
    rule(rf"{B}(?:you\s(?:must|will|shall|have\sto)\s(?:now\s)?(?:obey|do\swhatever|do\severything)\s(?:me|i\ssay|"
         r"my\s(?:commands?|orders?|instructions?))|do\sanything\snow|you\s(?:have|got)\sno\s(?:rules|restrictions|"
         r"filters|limits|limitations|guidelines|boundaries)|not\sbound\sby\s(?:any\s)?(?:rules|restrictions|"
         rf"guidelines|policies)|stay\sin\scharacter){E}", "role reassignment"),
    rule(rf"{B}(?:(?:system|initial|original|hidden|secret|internal|meta|pre|developer|base|master)[\s-]?prompts?|"
         rf"सिस्टम\s(?:प्रॉम्प्ट|प्रोम्प्ट|प्राम्प्ट)){E}", "prompt extraction"),
    rule(rf"{B}(?:reveal|show|print|display|repeat|output|dump|leak|share|tell|give|send|paste|recite|spell\sout|"
         r"write\sout|type\sout|expose|disclose|what(?:'s|\sis|\sare|\swere|\swas)|whats)\s(?:me\s|us\s)?"
         rf"{FILL}{{0,3}}?(?:your|ur|yr|the|all|its)\s{FILL}{{0,2}}?(?:prompts?|programming|directives|configuration|"
         r"config|(?:hidden|secret|internal|initial|original|system|full|exact|entire|complete)\sinstructions|"
         rf"instructions\s(?:above|verbatim|word\sfor\sword)){E}", "prompt extraction"),
    rule(rf"{B}(?:repeat|print|output|show|reveal|write|copy)\s{FILL}{{0,2}}?(?:text|words|everything|content|lines)"
         rf"\s(?:above|before\sthis|that\scame\sbefore|from\sthe\sbeginning|verbatim){E}|{B}what\s(?:was|is)\s"
         rf"written\s(?:above|before){E}", "prompt extraction"),
    rule(rf"{B}(?:developer|dev|god|admin|debug|sudo|jailbreak|jailbroken|dan|unrestricted|unfiltered|uncensored|"
         rf"evil|root|opposite)\s?-?modes?{E}", "jailbreak"),
    rule(rf"{B}(?:jail\s?-?break(?:s|ing|ed|er)?|dan\s(?:mode|prompt|jailbreak)|(?:you\sare|you're|act\sas|become|"
         rf"be|as|enable|activate|stay|switch\sto|now)\sdan){E}", "jailbreak"),
    rule(rf"{B}(?:(?:admin|system|root|sudo|developer|emergency)\s(?:override|access|privileges|command)|"
         rf"(?:override|bypass)\s(?:code|protocol|command|mode|safety|security)){E}", "jailbreak"),
)

# ---- chat-template tags and injected headers -----------------------------------------------------------------------

_TAGS: tuple[Rule, ...] = (
    rule(r"<\|?im_start\|?>[\s\S]*?(?:<\|?im_end\|?>|$)", "chat-template tags", "match"),
    rule(r"\[inst\][\s\S]*?(?:\[/inst\]|$)", "chat-template tags", "match"),
    rule(r"<<sys>>[\s\S]*?(?:<</sys>>|$)", "chat-template tags", "match"),
    rule(r"<(system|instructions?|prompt|admin)>[\s\S]*?(?:</\1>|$)", "chat-template tags", "match"),
    rule(r"<\|(?:system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text|end_of_text|"
         r"im_end|im_start)\|>|\[/?(?:inst|system|sys)\]|<</?sys>>|</?(?:system|instructions?|prompt)>",
         "chat-template tags", "match"),
    rule(r"(?<![^\n])(?:system|assistant|developer|sys|admin|root)\s?:", "injected role header", "line"),
    rule(r"#{2,}\s?(?:system|instructions?|new\sinstructions|prompt|admin)" + E, "injected role header", "line"),
    rule(rf"{B}(?:new|updated|revised|real|actual|true|secret|hidden|override|admin|developer)\s(?:system\s)?"
         r"(?:instructions?|directives?|prompts?)(?:\s?[:=]|\s(?:are|follow|below|as\sfollows|from\snow)" + E + ")",
         "injected instructions", "line"),
    rule(rf"{B}(?:new|updated|revised)\s(?:rules|orders|commands)\s?:", "injected instructions", "line"),
    rule(r"(?:" + B + r"(?:nayi|naye|nai|naya|asli)\s(?:instructions?|nirdesh|hidayat\S*|prompt|rules)|"
         "(?:नए|नये|नई|नयी|असली)\\s(?:निर्देश\\S*|इंस्ट्रक्शन\\S*|नियम|प्रॉम्प्ट))"
         r"\s?(?:[:=-]|ye\shain|yeh\shain|ye\shai|yeh\shai|suno|follow\skaro|maano|mano|"
         "ये\\sहैं|यह\\sहैं|ये\\sहै|सुनो|मानो)", "injected instructions", "line"),
)

# ---- Hinglish and Devanagari ---------------------------------------------------------------------------------------

_QUAL_HI = (r"(?:pichl[aei]|pichhl[aei]|pichle\swal[aei]|purane|purani|purana|upar\swal[aei]|upar\sk[ei]|"
            r"uper\swal[aei]|pehle\swal[aei]|pehle\sk[ei]|saar[ei]|sar[ei]|sab|sabhi|apn[aei]|tumhar[aei]|aapk[aei]|"
            r"apk[aei]|ter[aei]|system|previous|old|all|original|default|"
            "पिछल[ेीा]|पिछले\\sवाले|पुरान[ेीा]|ऊपर\\s(?:के|की|वाले|वाली|लिखे)|पहले\\s(?:के|की|वाले|वाली)|सार[ेी]|सभी|"
            "सब|अपन[ेीा]|तुम्हार[ेीा]|आपक[ेीा]|तेर[ेीा]|सिस्टम)")
_NOUN_HI = (r"(?:instructions?|instrucshan\S*|prompts?|system\sprompt|nirdesh\S*|hidayat\S*|programming|guidelines|"
            "निर्देश\\S*|इंस्ट्रक्शन\\S*|इन्स्ट्रक्शन\\S*|प्रॉम्प्ट\\S*|प्रोम्प्ट\\S*|प्राम्प्ट\\S*|हिदायत\\S*|"
            "प्रोग्रामिंग)")
_WEAK_NOUN_HI = r"(?:rules?|niyam\S*|kayde|kaayde|qayde|policy|policies|नियम\S*|रूल्स|रूल|कायदे)"
_VERB_HI = (r"(?:bhool|bhul|bhula|ignore|nazarandaz|najarandaz|nazar\sandaz|chhod|chod|hata|mita|override|skip|"
            r"mat\smaano|mat\smano|mat\sfollow|follow\smat|maanna\sband|manna\sband|"
            "भूल|भुला|इग्नोर|नज़रअंदाज़|नजरअंदाज|नज़रअंदाज|अनदेखा|छोड़|छोड|हटा|मिटा|ओवरराइड|मत\\sमानो|"
            r"khatam|khatm|khatma|खत्म|ख़त्म|समाप्त)")
_AUX_HI = r"(?:ja[ao]|jaao|jaiye|jaye|kar[oe]?|kar\sdo|kardo|do|de|dijiye|जाओ|जाइए|जाइये|जाएं|करो|कर\sदो|दो|दीजिए)"
_MINE_BEFORE = r"(?:my|mere|meri|mera|hamare|hamari|hamara|our|मेरे|मेरी|मेरा|हमारे|हमारी)\s" + FILL + r"?$"
_ROLE_HI = rf"(?:{_ROLE_CORE}|हैकर|एडमिन|डेवलपर|बॉट|बोट|असिस्टेंट|एआई|डैन|मॉडल|जीपीटी|चैटबॉट|गुलाम|ghulam|gulam)"
_YOU_HI = r"(?:tum|tu|aap|ap|tumhe|aapko|तुम|तू|आप)"
_NOW_HI = r"(?:ab|abse|ab\sse|aaj\sse|aj\sse|isse\sbaad|अब|अबसे|अब\sसे|आज\sसे)"
_NOW_YOU = rf"(?:{_NOW_HI}\s{_YOU_HI}|{_YOU_HI}\s{_NOW_HI})"
_BE_HI = (r"(?:ho|hai|hain|hoge|bano|ban\sjao|ban\sjaao|banoge|ban\sgaye|ki\starah|ke\starah|jaisa|jaise|"
          "हो|है|हैं|होगे|बनो|बन\\sजाओ|की\\sतरह|के\\sतरह|जैसे|जैसा)")
_TELL_HI = (r"(?:batao|bata\sdo|bataao|bataiye|bataye|batayen|bta|btao|dikhao|dikha\sdo|dikhaiye|bhejo|bhej\sdo|"
            r"likho|likh\sdo|share\skaro|share\skar\sdo|print\skaro|reveal\skaro|copy\skaro|paste\skaro|"
            "बताओ|बता\\sदो|बताइए|बताइये|बताएं|बताये|दिखाओ|दिखा\\sदो|दिखाइए|भेजो|भेज\\sदो|लिखो|शेयर\\sकरो)")
_YOUR_HI = r"(?:apn[aei]|tumhar[aei]|aapk[aei]|apk[aei]|ter[aei]|अपन[ाीे]|तुम्हार[ाीे]|आपक[ाीे]|तेर[ाीे])"
_OWN_HI = r"(?:apn[aei]|tumhar[aei]|ter[aei]|system|secret|hidden|asli|pura|poora|अपन[ाीे]|तुम्हार[ाीे]|तेर[ाीे]|सिस्टम)"
_PROMPT_HI = r"(?:prompts?|system\sprompt|programming|प्रॉम्प्ट\S*|प्रोम्प्ट\S*|प्राम्प्ट\S*|सिस्टम\sप्रॉम्प्ट)"
_INSTRUCTIONS_HI = r"(?:instructions?|nirdesh\S*|hidayat\S*|निर्देश\S*|इंस्ट्रक्शन\S*)"

_HINDI: tuple[Rule, ...] = (
    rule(rf"{B}{_NOUN_HI}\s(?:ko\s|sab\s|sabko\s|को\s)?{FILL}?{_VERB_HI}",
         "instruction override", veto_before=_MINE_BEFORE),
    rule(rf"{B}{_QUAL_HI}\s{FILL}{{0,2}}?{_WEAK_NOUN_HI}\s(?:ko\s|को\s)?{FILL}?{_VERB_HI}", "instruction override",
         veto_before=_MINE_BEFORE),
    rule(rf"{B}{_VERB_HI}\s{_AUX_HI}\s{FILL}{{0,2}}?(?:{_QUAL_HI}\s)?{_NOUN_HI}", "instruction override"),
    rule(rf"{B}{_NOW_YOU}\s{FILL}{{0,3}}?{_ROLE_HI}{E}\s?{FILL}{{0,2}}?{_BE_HI}{E}", "role reassignment"),
    rule(rf"{B}{_ROLE_HI}\s(?:ki|ke|की|के)\s(?:tarah|jaisa|jaise|तरह|जैसे|जैसा)\s{FILL}?(?:act|behave|baat|jawab|"
         r"reply|respond|kaam|बात|जवाब|एक्ट)", "role reassignment"),
    rule(rf"{B}{_ROLE_HI}\s(?:ban\s(?:jao|jaao|jaiye|ja)|बन\sजाओ|बन\sजाइए)", "role reassignment"),
    rule(rf"{B}{_YOU_HI}\s(?:{_NOW_HI}\s)?(?:azaad|aazaad|azad|aazad|आज़ाद|आजाद)\s(?:ho|hai|हो|है){E}",
         "role reassignment"),
    rule(rf"{B}(?:role\s?play|roleplay|रोलप्ले)\s(?:karo|kar|karte|करो|कर)", "role reassignment"),
    rule(rf"{B}{_YOUR_HI}\s{FILL}{{0,2}}?{_PROMPT_HI}\s{FILL}{{0,2}}?(?:{_TELL_HI}|do|dedo|de\sdo|kya\shai|kya\shain|"
         r"kya\sh|क्या\sहै|दो)", "prompt extraction"),
    rule(rf"{B}{_OWN_HI}\s{FILL}{{0,2}}?{_INSTRUCTIONS_HI}\s{FILL}{{0,2}}?{_TELL_HI}", "prompt extraction"),
    rule(rf"{B}{_TELL_HI}\s{FILL}?(?:{_YOUR_HI}|system|सिस्टम)\s{_PROMPT_HI}", "prompt extraction"),
)

RULES: tuple[Rule, ...] = _ENGLISH + _TAGS + _HINDI
