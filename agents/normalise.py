"""Message normalisation: one cleaned, lower-case form of a WhatsApp message for the rules and routers to match.

Pure functions, no I/O. The steps, in order: Unicode NFKC; zero-width characters removed; emoji taken out of the
text and kept as a hint (👍 is a yes); Devanagari digits read as ASCII digits; lower case; whitespace collapsed;
letters typed three or more times squeezed ("yesss" -> "yes", "goood" -> "good"); common Hinglish spellings made
one ("bje" -> "baje", "nhi" -> "nahi"). Devanagari words are kept as typed; `romanise` gives a romanised view for
matching. The language ("en", "hi", "hinglish") is kept so the reply can answer in kind.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

from agents.intents import Language
from agents.transliterate import transliterate

# Zero-width space, non-joiner, joiner, word joiner, BOM, soft hyphen, and the variation selectors around emoji.
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\ufe0e\ufe0f]")

# Emoji that carry meaning. Skin-tone modifiers are dropped with the rest of the emoji, so 👍🏽 reads as 👍.
EMOJI_HINTS: dict[str, str] = {
    "👍": "affirm", "👌": "affirm", "✅": "affirm", "✔": "affirm", "🆗": "affirm", "☑": "affirm",
    "🙏": "thanks",
    "👎": "deny", "❌": "deny", "✖": "deny", "❎": "deny", "🚫": "deny",
    "😡": "complaint", "🤬": "complaint", "😠": "complaint", "😤": "complaint",
}
# Pictographs, dingbats, arrows-and-stars, the keycap mark, and skin tones: removed from the matching text.
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\u20e3\u3030\u303d]")

_DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
_WHITESPACE = re.compile(r"\s+")
_RUN = re.compile(r"([a-z])\1{2,}")
_LATIN_WORD = re.compile(r"[a-z]+")
_DEVANAGARI_LETTER = re.compile("[\u0900-\u0963\u0966-\u097f]")
_LATIN_LETTER = re.compile("[a-z]")

# Spelling variants -> one canonical form. Keys are whole words (or phrases); the canonical form is the value.
_VARIANTS: dict[str, str] = {}
for _canonical, _spellings in {
    "baje": "bje baje baaje bajey bajay bjey bajeh",
    "kal": "kl kal kall",
    "aaj": "aj aaj aajj",
    "parso": "parso parson parsoo parsun",
    "shaam": "sham shaam shām shyaam",
    "subah": "subha subah subeh subhah subh",
    "dopahar": "dopher dopahar dopehar dophar dupahar dopaher dopehr dophr",
    "raat": "raat raath",
    "saade": "saade sade saadhe sadhe saare",
    "sawa": "sawa sava sawaa",
    "paune": "paune pone paune paone",
    "dedh": "dedh derh dhedh dedhh",
    "dhai": "dhai dhaai dhaee dhaayi",
    "please": "plz pls plss plzz pleez plez pleas pleaz",
    "thanks": "thnx thx thanku thanx thnks thks thanq thankyou tq ty tnx thanxs",
    "haan": "haan ha han haa hn haaan",
    "haan ji": "haanji hanji haaji",
    "nahi": "nahi nhi nai nahin nahee nahii nahiin nhn",
    "accha": "acha accha achha achchha acchha achcha",
    "theek": "theek thik thek theekh thiik tik",
    "hai": "h hai hei",
    "kar": "kr",
    "karo": "kro karo kro",
    "kar do": "kardo krdo kardoo",
    "karna": "krna",
    "karwana": "karwana karvana krwana krvana karwna",
    "mujhe": "mujhe muje mje mujhey mujhko",
    "chahiye": "chahiye chaiye chahie chaahiye chahye chahiyee chaheye",
    "kya": "kya kia kyaa",
    "ji": "ji jee",
    "ok": "okk okie okey okkk",
    "band": "bandh bnd",
    "shuru": "shuru suru shuroo shru",
    "shukriya": "shukriya shukria sukriya shukriyaa",
    "dhanyavaad": "dhanyavaad dhanyawad dhanyavad dhanywad dhanyawaad dhanyabad",
    "namaste": "namaste namastey namastay namastee",
    "namaskar": "namaskar namaskaar",
    "kahan": "kahan kaha kahaan kaha",
    "tomorrow": "tmrw tmr tmrow tomorow tommorow tommorrow tomorrw tomm",
    "good": "gud",
    "yes": "yess yesh yas",
    "hi": "hii",
    "message": "msg",
    "messages": "msgs",
}.items():
    for _spelling in _spellings.split():
        _VARIANTS[_spelling] = _canonical
_VARIANT_WORDS = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, _VARIANTS), key=len, reverse=True)) + r")\b")

# Romanised Hindi words that mark a message as Hinglish. Words that are also English ("do", "to", "me", "main",
# "par", "are", "the") are left out on purpose: one of these alone must not turn an English message Hinglish.
HINGLISH_MARKERS: frozenset[str] = frozenset("""
hai hain ho hoga hogi hoti hota tha thi kal aaj parso abhi baje karna karni karo karwana karwani karunga
karungi karenge kar mujhe mujhko mera meri mere hum humko humein hame aap aapka aapki aapke apka apki apke aapko tum
tumhara kya kyun kyon kaise kaisa kaun kab kahan kidhar yahan wahan nahi haan ji chahiye kitna kitne kitni shaam
subah dopahar raat saade sawa paune dedh dhai theek accha bhai bhaiya didi baal katwana katwane kataana dadhi daadhi
naya nayi purana wala wali wale liye ke ki ka ko se mein bhi sab sabhi kuch kuchh koi bahut bohot bahot zyada jyada
thoda thodi jaldi ruko rukiye batao bataiye bata bolo boliye dijiye dena dedo lena lelo milega milegi milenge sakta
sakti sakte skta chalega chalo jayega jaega jaenge aayenge aaunga aaungi aaoge aana raha rahi rahe gaya gayi gaye diya
liya wapas phir fir dobara dubara band mat bhejo bhejna shuru shukriya dhanyavaad namaste namaskar paisa paise rupaye
samay din hafta mahina somvar mangalvar budhvar guruvar shukravar shanivar ravivar agle agla pichle tareek tarikh
taarikh dukaan dukan yaar arre sahi galat pakka bilkul zaroor jarur zarur kripya aaiye aaye aayi khulta khulega
kholo karwa karao kijiye hoga rehne chhodo chodo kaatna kat katwa yeh woh wo vo iska uska isko usko
""".split())

# Correctly spelled words that contain a double letter: squeezing "goood" stops at "good", not "god".
_ENGLISH_WORDS = frozenset("""
yes no ok okay hi hello hey please thanks thank sorry good soon book booking cool see need free too all will call
tomorrow morning week feel feet keep look beard hair well still till full shall small bill sweet sleep really happy
appointment coffee access address all allow apply attend better bigger book booked cancelled dress glass miss pass
class less stress wall yummy hmm sure bye nope yeah yup stop
""".split())
_LEXICON = HINGLISH_MARKERS | _ENGLISH_WORDS | frozenset(_VARIANTS) | frozenset(_VARIANTS.values())

# A fixed vocabulary of Devanagari words and their romanised form, for matching only (the text keeps Devanagari).
_DEVANAGARI_VOCAB: dict[str, str] = {
    "हाँ": "haan", "हां": "haan", "हा": "haan", "जी": "ji", "नहीं": "nahi", "नही": "nahi", "ना": "na",
    "मत": "mat", "करो": "karo", "करें": "karein", "कर": "kar", "दो": "do", "दीजिए": "dijiye", "दीजिये": "dijiye",
    "बंद": "band", "बन्द": "band", "भेजो": "bhejo", "भेजें": "bhejein", "शुरू": "shuru", "शुरु": "shuru",
    "ठीक": "theek", "है": "hai", "हैं": "hain", "धन्यवाद": "dhanyavaad", "शुक्रिया": "shukriya",
    "नमस्ते": "namaste", "नमस्कार": "namaskar", "प्रणाम": "pranam", "राम": "ram", "कल": "kal", "आज": "aaj",
    "परसों": "parso", "बजे": "baje", "शाम": "shaam", "सुबह": "subah", "दोपहर": "dopahar", "रात": "raat",
    "साढ़े": "saade", "सवा": "sawa", "पौने": "paune", "डेढ़": "dedh", "ढाई": "dhai", "कहाँ": "kahan",
    "कहां": "kahan", "कब": "kab", "खुलता": "khulta", "खुलेगा": "khulega", "पता": "pata", "पार्किंग": "parking",
    "समय": "samay", "बुक": "book", "कैंसल": "cancel", "रद्द": "cancel", "बाल": "baal", "कटवाना": "katwana",
    "मुझे": "mujhe", "चाहिए": "chahiye", "क्या": "kya", "अच्छा": "accha", "सही": "sahi", "बिल्कुल": "bilkul",
    "बिलकुल": "bilkul", "हेलो": "hello", "हैलो": "hello", "हाय": "hi", "सुप्रभात": "good morning",
    "मैसेज": "message", "मेसेज": "message", "कितने": "kitne", "कितना": "kitna", "यूपीआई": "upi",
    "पेमेंट": "payment", "टाइम": "time", "टाइमिंग": "timing", "ओके": "ok", "हो": "ho", "गया": "gaya",
    # Salon words customers type in Devanagari, so services and staff match in any script.
    "हेयरकट": "haircut", "हेयर": "hair", "कट": "cut", "कटिंग": "cutting", "स्पा": "spa", "फेशियल": "facial",
    "फेसियल": "facial", "क्लीनअप": "cleanup", "मैनीक्योर": "manicure", "पेडीक्योर": "pedicure",
    "वैक्सिंग": "waxing", "वैक्स": "wax", "थ्रेडिंग": "threading", "आइब्रो": "eyebrow", "आईब्रो": "eyebrow",
    "दाढ़ी": "dadhi", "दाढी": "dadhi", "बियर्ड": "beard", "ट्रिम": "trim", "शेव": "shave", "मेकअप": "makeup",
    "केराटिन": "keratin", "कलर": "colour", "रंग": "rang", "हाइलाइट्स": "highlights", "मसाज": "massage",
    "चंपी": "champi", "ब्लो": "blow", "ड्राई": "dry", "स्मूदनिंग": "smoothening", "नेल": "nail",
    "राहुल": "rahul", "पूजा": "pooja", "इमरान": "imran", "अनन्या": "ananya", "नेहा": "neha", "स्नेहा": "sneha",
    "सैलून": "salon", "अपॉइंटमेंट": "appointment", "बुकिंग": "booking", "स्लॉट": "slot", "ऑफर": "offer",
    "डिस्काउंट": "discount", "कूपन": "coupon", "कोड": "code", "प्राइस": "price", "रेट": "rate",
}
_DEVANAGARI_VOCAB = {unicodedata.normalize("NFKC", k): v for k, v in _DEVANAGARI_VOCAB.items()}
_DEVANAGARI_WORDS = re.compile(
    "(?<![\u0900-\u0963\u0966-\u097f])(?:" + "|".join(sorted(map(re.escape, _DEVANAGARI_VOCAB), key=len, reverse=True))
    + ")(?![\u0900-\u0963\u0966-\u097f])"
)
_DANDA = re.compile("[\u0964\u0965]")


@dataclass(frozen=True, slots=True)
class Normalised:
    """A message made ready for matching. `text` is for machines; `original` is what the customer typed."""

    text: str
    original: str
    language: Language
    emoji_intent: str | None


def normalise(text: str) -> Normalised:
    """Clean one message for matching, detect its language and read its emoji."""
    cleaned = _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", text))
    emoji_intent = _emoji_hint(cleaned)
    cleaned = _EMOJI.sub(" ", cleaned).translate(_DEVANAGARI_DIGITS).casefold()
    cleaned = _WHITESPACE.sub(" ", cleaned).strip()
    if _RUN.search(cleaned):
        cleaned = _LATIN_WORD.sub(lambda m: squeeze(m.group(0)), cleaned)
    cleaned = _VARIANT_WORDS.sub(lambda m: _VARIANTS[m.group(0)], cleaned)
    return Normalised(text=cleaned, original=text, language=detect_language(cleaned), emoji_intent=emoji_intent)


def squeeze(word: str) -> str:
    """Letters typed three or more times, squeezed to the nearest known word ("pleeease" -> "please")."""
    runs = list(_RUN.finditer(word))[:4]
    if not runs:
        return word
    # Each run at one letter or two (a handful of runs at most); the first known word wins, else all at one.
    candidates: list[str] = []
    for lengths in itertools.product((1, 2), repeat=len(runs)):
        parts: list[str] = []
        last = 0
        for run, length in zip(runs, lengths, strict=True):
            parts.append(word[last:run.start()] + run.group(1) * length)
            last = run.end()
        candidates.append("".join(parts) + word[last:])
    return next((candidate for candidate in candidates if candidate in _LEXICON), candidates[0])


def _emoji_hint(text: str) -> str | None:
    for char in text:
        if char in EMOJI_HINTS:
            return EMOJI_HINTS[char]
    return None


def detect_language(text: str) -> Language:
    """"hi" when mostly Devanagari, "hinglish" when romanised Hindi (or some Devanagari) appears, else "en"."""
    devanagari = len(_DEVANAGARI_LETTER.findall(text))
    if devanagari:
        latin = len(_LATIN_LETTER.findall(text))
        return "hi" if devanagari > latin else "hinglish"
    if any(word in HINGLISH_MARKERS for word in _LATIN_WORD.findall(text)):
        return "hinglish"
    return "en"


def romanise(text: str) -> str:
    """Already normalised text with its Devanagari in Latin letters: known words in their usual romanised spelling
    ("कल" -> "kal"), other words by rule (``agents.transliterate``); Latin text unchanged."""
    if not _DEVANAGARI_LETTER.search(text):
        return text
    known = _DEVANAGARI_WORDS.sub(lambda m: _DEVANAGARI_VOCAB[m.group(0)], text)
    return transliterate(_DANDA.sub(".", known))
