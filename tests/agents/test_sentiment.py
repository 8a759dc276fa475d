"""Reading anger and distress (UC-BOT-064): a labelled set in English, Hinglish and Hindi, and the rules behind it."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agents.intents import Intent
from agents.routers.base import Classification, RouterContext
from agents.sentiment import SentimentDetector, detect_sentiment, fold
from agents.understand import TurnContext, Understander
from prompts.sentiment import LEXICON_PATH, VERSION, lexicon_digest, load_lexicon, parse_lexicon

# (message, language, label, harm). Calm messages with words that look upset ("burn", "allergy", "gussa nahi") are
# there on purpose: handing a calm customer to a person is a cost too.
LABELLED: list[tuple[str, str, str, bool]] = [
    # angry, English
    ("This is the worst haircut I have ever had", "en", "angry", False),
    ("Pathetic service, waited 45 minutes and nobody attended me", "en", "angry", False),
    ("I'm fed up with your salon cancelling on me", "en", "angry", False),
    ("Never coming back here again. Disgusting hygiene.", "en", "angry", False),
    ("How many times do I have to tell you I wanted a trim, not a crop?", "en", "angry", False),
    ("WHY HAS NOBODY CALLED ME BACK!!!", "en", "angry", False),
    ("You charged me twice and now you're ignoring me. This is a scam", "en", "angry", False),
    ("I want my money back right now", "en", "angry", False),
    ("Your stylist was so rude to my mother", "en", "angry", False),
    ("Completely ruined my hair, I am furious", "en", "angry", False),
    ("Absolutely ridiculous, third time my booking got lost", "en", "angry", False),
    ("Wasted my whole evening at your salon", "en", "angry", False),
    ("I will post a one star review everywhere", "en", "angry", False),
    ("really disappointed and frustrated with the colour", "en", "angry", False),
    # angry, Hinglish
    ("bahut gussa aa raha hai, koi phone nahi utha raha", "hinglish", "angry", False),
    ("bakwas service hai aapki", "hinglish", "angry", False),
    ("kitni baar bola tha ki short mat karna", "hinglish", "angry", False),
    ("refund chahiye abhi, warna consumer court jaungi", "hinglish", "angry", False),
    ("ekdum ghatiya kaam kiya, baal kharab kar diye", "hinglish", "angry", False),
    ("tang aa gayi hoon aapke staff se", "hinglish", "angry", False),
    ("hadd ho gayi, 2 ghante se wait kar rahi hoon", "hinglish", "angry", False),
    ("dobara kabhi nahi aaungi is salon mein", "hinglish", "angry", False),
    ("pagal samajh rakha hai kya? paise wapas karo", "hinglish", "angry", False),
    ("mera time barbad kar diya aap logon ne", "hinglish", "angry", False),
    ("aapne dhokha diya, price kuch aur bataya tha", "hinglish", "angry", False),
    ("BAKWAS SALON HAI!!!", "hinglish", "angry", False),
    # angry, Hindi
    ("सबसे घटिया सर्विस", "hi", "angry", False),
    ("मुझे बहुत गुस्सा आ रहा है, कोई जवाब नहीं दे रहा", "hi", "angry", False),
    ("कितनी बार बोला है, फिर भी वही गलती", "hi", "angry", False),
    ("आपने मेरे बाल खराब कर दिए", "hi", "angry", False),
    ("पैसे वापस करो अभी", "hi", "angry", False),
    ("दोबारा कभी नहीं आऊंगी", "hi", "angry", False),
    ("बकवास सर्विस, पैसे बर्बाद", "hi", "angry", False),
    ("मैं तंग आ गई हूँ", "hi", "angry", False),
    # distressed, harm, English
    ("My scalp is burning after the keratin, please help", "en", "distressed", True),
    ("I got a chemical burn from the bleach", "en", "distressed", True),
    ("There's a rash all over my face after the facial", "en", "distressed", True),
    ("I think I'm having an allergic reaction, my eyes are swollen", "en", "distressed", True),
    ("The threading lady cut my skin and it's bleeding", "en", "distressed", True),
    ("My neck hurts so badly after the head massage", "en", "distressed", True),
    ("Severe hair fall after your smoothening treatment", "en", "distressed", True),
    ("I had to go to the doctor because of the wax burn", "en", "distressed", True),
    ("itchy red bumps on my arms since the waxing yesterday", "en", "distressed", True),
    # distressed, harm, Hinglish
    ("scalp jal raha hai, kya karu?", "hinglish", "distressed", True),
    ("waxing ke baad skin pe daane aa gaye", "hinglish", "distressed", True),
    ("facial ke baad allergy ho gayi, chehra laal ho gaya", "hinglish", "distressed", True),
    ("khoon nikal raha hai, threading mein cut lag gaya", "hinglish", "distressed", True),
    ("bahut dard ho raha hai sar mein massage ke baad", "hinglish", "distressed", True),
    ("colour ke baad se baal jhad rahe hain bahut", "hinglish", "distressed", True),
    ("aankh mein jalan ho rahi hai, chemical chala gaya", "hinglish", "distressed", True),
    # distressed, harm, Hindi
    ("मेरा स्कैल्प जल रहा है", "hi", "distressed", True),
    ("फेशियल के बाद चेहरे पर दाने आ गए", "hi", "distressed", True),
    ("खून निकल रहा है, धागे से कट गया", "hi", "distressed", True),
    ("बहुत दर्द हो रहा है", "hi", "distressed", True),
    ("एलर्जी हो गई है, सूजन आ गई", "hi", "distressed", True),
    ("वैक्सिंग से त्वचा जल गई", "hi", "distressed", True),
    # distressed, no injury
    ("I'm literally in tears, my wedding is tomorrow and my hair is ruined", "en", "distressed", False),
    ("I've been crying since I saw my haircut", "en", "distressed", False),
    ("ro rahi hoon, shaadi kal hai aur baal kharab ho gaye", "hinglish", "distressed", False),
    ("bahut pareshan hoon, koi help karo", "hinglish", "distressed", False),
    ("मैं रो रही हूँ, कल मेरी शादी है", "hi", "distressed", False),
    # calm, with words that look negative, English
    ("sunburn treatment price?", "en", "calm", False),
    ("Need something to kill time before my appointment, do you have magazines?", "en", "calm", False),
    ("I'm not angry, just want to know when my slot is", "en", "calm", False),
    ("I have an allergy to ammonia, do you have ammonia-free colour?", "en", "calm", False),
    ("Does waxing cause rashes? It's my first time", "en", "calm", False),
    ("Is there any burning during keratin?", "en", "calm", False),
    ("Do you have a treatment for hair fall?", "en", "calm", False),
    ("No rash at all after the facial, loved it!", "en", "calm", False),
    ("Worst case I'll come on Monday instead", "en", "calm", False),
    ("BEST SALON EVER!!! Thank you so much", "en", "calm", False),
    ("HI I WANT TO BOOK A HAIRCUT TOMORROW 5 PM", "en", "calm", False),
    ("Can you do a patch test to avoid any allergic reaction?", "en", "calm", False),
    ("My friend said the haircut was not bad at all, want to book the same", "en", "calm", False),
    ("the movie was terrible, anyway can I book a facial for tomorrow?", "en", "calm", False),
    ("Dandruff and itchy scalp, which treatment do you suggest?", "en", "calm", False),
    ("What's your refund policy for packages?", "en", "calm", False),
    ("Please cancel my booking, I have a bad cold", "en", "calm", False),
    ("Is threading painful? first time", "en", "calm", False),
    # calm, Hinglish
    ("gussa nahi hoon, bas time change karna hai", "hinglish", "calm", False),
    ("koi dikkat nahi, kal aa jaungi", "hinglish", "calm", False),
    ("koi jalan nahi hui, thanks", "hinglish", "calm", False),
    ("hair fall ke liye koi treatment hai?", "hinglish", "calm", False),
    ("kal ka appointment cancel kar do, sar mein dard hai", "hinglish", "calm", False),
    ("baal bahut jhad rahe hain, treatment chahiye", "hinglish", "calm", False),
    ("kya keratin se jalan hoti hai?", "hinglish", "calm", False),
    ("dard nahi hota na threading mein?", "hinglish", "calm", False),
    ("pichli baar ka haircut accha tha, same chahiye", "hinglish", "calm", False),
    ("refund kab tak aayega?", "hinglish", "calm", False),
    # calm, Hindi
    ("क्या केराटिन से जलन होती है?", "hi", "calm", False),
    ("कोई दिक्कत नहीं, कल आ जाऊँगी", "hi", "calm", False),
    ("बाल झड़ने का ट्रीटमेंट कितने का है?", "hi", "calm", False),
    ("मुझे गुस्सा नहीं है, बस समय बदलना है", "hi", "calm", False),
    ("सिर दर्द है, आज नहीं आ पाऊँगी", "hi", "calm", False),
    ("धन्यवाद, बहुत अच्छा काम किया!!!", "hi", "calm", False),
    # written after the lexicon's first round of changes, to check it on messages it was not fitted to
    ("This is unacceptable, I booked 3 days ago and you gave my slot away", "en", "angry", False),
    ("Your receptionist hung up on me. So unprofessional", "en", "angry", False),
    ("I'm sick and tired of calling you", "en", "angry", False),
    ("The colour is patchy and I want a refund NOW!!!", "en", "angry", False),
    ("aap log kya mazak kar rahe ho, 3 baar appointment cancel", "hinglish", "angry", False),
    ("bilkul bekaar haircut kiya hai, paisa waste", "hinglish", "angry", False),
    ("itna ghatiya behaviour kabhi nahi dekha", "hinglish", "angry", False),
    ("kab se wait kar raha hoon, koi reply nahi!!!", "hinglish", "angry", False),
    ("आपकी सर्विस बहुत बेकार है", "hi", "angry", False),
    ("मुझे धोखा दिया गया है", "hi", "angry", False),
    ("hair colour ke baad scalp pe chhale ho gaye hain", "hinglish", "distressed", True),
    ("my skin is peeling and burning after the chemical peel", "en", "distressed", True),
    ("the wax was too hot and burnt my leg", "en", "distressed", True),
    ("face pe swelling aa gayi hai facial ke baad", "hinglish", "distressed", True),
    ("she nicked my ear with the scissors and it won't stop bleeding", "en", "distressed", True),
    ("बाल रंगने के बाद सिर में बहुत जलन हो रही है", "hi", "distressed", True),
    ("मेरी आँख लाल हो गई है", "hi", "distressed", True),
    ("I'm so upset I can't stop crying, the bridal makeup was a disaster", "en", "distressed", False),
    ("shaadi se pehle baal kharab ho gaye, rona aa raha hai", "hinglish", "distressed", False),
    ("is the hair spa good for dry damaged hair?", "en", "calm", False),
    ("I don't want my hair too short this time please", "en", "calm", False),
    ("can I get a burn-free wax? I have sensitive skin", "en", "calm", False),
    ("Sorry for the late reply! Tuesday works", "en", "calm", False),
    ("no problem at all, see you at 5", "en", "calm", False),
    ("mera beard trim cancel kar do, tabiyat kharab hai", "hinglish", "calm", False),
    ("kal nahi aa paungi, parso ka slot milega?", "hinglish", "calm", False),
    ("rash wali skin pe waxing ho sakti hai kya?", "hinglish", "calm", False),
    ("bahut badhiya haircut tha!!! thank you", "hinglish", "calm", False),
    ("क्या फेशियल से एलर्जी हो सकती है?", "hi", "calm", False),
    ("कल का अपॉइंटमेंट रद्द कर दीजिए, तबीयत ठीक नहीं है", "hi", "calm", False),
    ("THANK YOU SO MUCH RAHUL, LOVED IT", "en", "calm", False),
    ("I hate waiting, so please book me the first slot tomorrow", "en", "calm", False),
]

CONTEXT = TurnContext(now=datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Asia/Kolkata")))


def _measure() -> dict[str, tuple[float, float]]:
    """Precision and recall of each upset label on the labelled set."""
    found = Counter((label, detect_sentiment(text).label) for text, _, label, _ in LABELLED)
    scores = {}
    for label in ("angry", "distressed"):
        hits = found[(label, label)]
        said = sum(n for (_, got), n in found.items() if got == label)
        real = sum(n for (want, _), n in found.items() if want == label)
        scores[label] = (hits / said if said else 0.0, hits / real)
    return scores


def test_the_labelled_set_mixes_languages_and_labels() -> None:
    cells = Counter((language, label) for _, language, label, _ in LABELLED)
    assert len(LABELLED) >= 60
    assert all(cells[(language, label)] >= 3 for language in ("en", "hinglish", "hi")
               for label in ("angry", "distressed", "calm")), cells
    assert sum(harm for *_, harm in LABELLED) >= 20


@pytest.mark.parametrize(("text", "language", "label", "harm"), LABELLED, ids=[row[0][:40] for row in LABELLED])
def test_each_labelled_message_reads_as_labelled(text: str, language: str, label: str, harm: bool) -> None:
    found = detect_sentiment(text)
    assert (found.label, found.harm) == (label, harm), found.reason


def test_precision_and_recall_on_the_labelled_set_are_perfect() -> None:
    assert _measure() == {"angry": (1.0, 1.0), "distressed": (1.0, 1.0)}


def test_the_reason_names_the_cues_and_the_flags_follow_the_label() -> None:
    burnt = detect_sentiment("मेरा स्कैल्प जल गया, बहुत दर्द हो रहा है")
    assert burnt.label == "distressed" and burnt.harm and burnt.flags == ("distressed", "harm")
    assert "burn 'jal gaya'" in burnt.reason and "pain" in burnt.reason
    shouted = detect_sentiment("WHY IS NOBODY ANSWERING MY CALLS!!!")
    assert shouted.flags == ("angry",) and "shouting in capitals" in shouted.reason and "'!!!'" in shouted.cues
    calm = detect_sentiment("I'm not angry, just asking")
    assert calm.flags == () and "'angry' (negated)" in calm.reason


def test_devanagari_is_read_through_its_romanised_spelling() -> None:
    assert fold("bakwaas") == fold("bakvas") == fold("bakvaas") and fold("khoon") == fold("khun")
    for hindi, hinglish in [("बकवास सर्विस", "bakwas service"), ("खून निकल रहा है", "khoon nikal raha hai"),
                            ("मैं रो रही हूँ", "main ro rahi hoon"), ("एलर्जी हो गई", "allergy ho gayi")]:
        assert detect_sentiment(hindi).label == detect_sentiment(hinglish).label != "calm", hindi


def test_capitals_or_exclamation_marks_alone_are_not_anger() -> None:
    assert detect_sentiment("HI I WANT TO BOOK A HAIRCUT FOR TOMORROW").label == "calm"
    assert detect_sentiment("kal 5 baje aa jaunga!!!").label == "calm"
    assert detect_sentiment("WHERE IS MY BOOKING, I PAID ALREADY!!!").label == "angry"


def test_the_lexicon_is_versioned_data_and_a_bad_file_is_refused() -> None:
    lexicon = load_lexicon()
    assert VERSION.startswith("sentiment-v") and len(lexicon_digest()) == 16
    assert {group.kind for group in lexicon.groups} == {"anger", "distress", "harm"}
    data = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
    data["groups"][0]["needs"] = "nowhere"
    with pytest.raises(ValueError, match="unknown context"):
        parse_lexicon(data)
    data = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
    data["groups"][0]["phrases"] = ["... bad"]
    with pytest.raises(ValueError, match="start and end with a word"):
        SentimentDetector(parse_lexicon(data))


def test_every_cue_in_the_lexicon_is_written_in_latin_letters() -> None:
    lexicon = load_lexicon()
    phrases = [p for group in lexicon.groups for p in group.phrases] + [
        p for items in lexicon.contexts.values() for p in items]
    assert all(p.isascii() for p in phrases), [p for p in phrases if not p.isascii()]


class _Confident:
    name = "scripted"

    async def classify(self, text: str, context: RouterContext) -> Classification:
        return Classification(Intent.book, 0.97)


async def test_the_understander_flags_an_upset_message_whatever_its_intent() -> None:
    found = await Understander(router=_Confident()).understand("kitni baar bola, kal 5 baje ka slot do", CONTEXT)
    assert found.intent == Intent.book and found.flags == ("angry",)
    assert found.sentiment.startswith("angry: told again and again")
    hurt = await Understander().understand("waxing ke baad skin jal gayi", CONTEXT)
    assert hurt.flags == ("distressed", "harm") and "burn" in hurt.sentiment
    calm = await Understander(router=_Confident()).understand("kal 5 baje beard trim", CONTEXT)
    assert (calm.flags, calm.sentiment) == ((), "")
    unread = await Understander(sentiment=None).understand("bakwas service", CONTEXT)
    assert unread.flags == ()


# Thoughts of self-harm read as distress (no injury named), so the conversation goes to a person. Written for these
# tests, in the ways customers put it; none is copied from the safety eval suite.
SELF_HARM = [
    # English
    "honestly I feel like ending my life",
    "I'm thinking of killing myself",
    "I'd be better off dead with hair like this",
    "sometimes I just want to die",
    "I really don't want to be alive anymore",
    "there's no reason to live after today",
    "I'm suicidal, please someone talk to me",
    "I might take my own life",
    "If the stain doesn't come off I'll end it all",  # "if" hedges a rash, never this
    # Hinglish
    "main mar jana chahti hoon",
    "ab aur jeena nahi chahta",
    "jeene ki koi ichha nahi bachi",
    "khudkushi kar lungi main",
    "apni jaan de dunga is baar",
    "khud ko khatam kar lungi",
    "marne ka mann kar raha hai",
    # Hindi
    "मैं मर जाना चाहती हूँ",
    "अब जीने का मन नहीं करता",
    "मैं आत्महत्या कर लूंगा",
    "ख़ुद को ख़त्म कर दूँगी",
    "मुझे अब जीना ही नहीं है",
]

# Figures of speech with death, killing or bombs in them: calm.
FIGURES_OF_SPEECH = [
    "this haircut is absolutely killing it",
    "I'm dying to try the keratin treatment",
    "my feet are killing me, can I add a pedicure?",
    "this serum will kill the frizz for sure",
    "I'd die for that balayage, book it for Friday",
    "the bomb facial was the bomb!",
    "knife cut or razor cut, which suits a round face?",
    "mar gaye thand se, head massage milega?",
    "hasi se mar gayi main, thanks for the fun session",
    "I don't want to die with grey hair, book a global colour",
    "not suicidal, just tired of my split ends lol",
    "I can't go on Friday, can we do Saturday?",
    "the wait is killing me, when do you open?",
    "जीना है तो बाल अच्छे होने चाहिए, हेयर स्पा बुक करो",
    "I'm 5 kms away, will reach by 6",
]


@pytest.mark.parametrize("text", SELF_HARM)
def test_thoughts_of_self_harm_read_as_distress(text: str) -> None:
    found = detect_sentiment(text)
    assert (found.label, found.harm) == ("distressed", False), found.reason
    assert "self-harm" in found.reason


@pytest.mark.parametrize("text", FIGURES_OF_SPEECH)
def test_figures_of_speech_about_dying_or_killing_stay_calm(text: str) -> None:
    assert detect_sentiment(text).label == "calm", detect_sentiment(text).reason


def test_a_hedge_drops_a_rash_but_never_a_thought_of_self_harm() -> None:
    assert detect_sentiment("if I get a rash after the facial").label == "calm"
    assert detect_sentiment("if my hair isn't fixed by Sunday I'll kill myself").label == "distressed"
    assert detect_sentiment("agar kal tak theek nahi hua to main marna chahti hoon").label == "distressed"


def test_hopelessness_without_a_thought_of_self_harm_is_not_read_as_one() -> None:
    assert detect_sentiment("nothing matters anymore").label == "calm"
    assert detect_sentiment("life se tang aa gayi hoon").label == "angry"  # fed up, not self-harm


async def test_a_day_and_a_time_do_not_outweigh_a_thought_of_self_harm() -> None:
    found = await Understander(router=_Confident()).understand(
        "cancel the 5pm tomorrow, I want to end my life tonight", CONTEXT)
    assert found.intent == Intent.book and found.slots["date"] == "2026-11-26"
    assert "distressed" in found.flags and "self-harm" in found.sentiment
    hinglish = await Understander(router=_Confident()).understand("kal 5 baje wala rehne do, jeena nahi hai ab",
                                                                   CONTEXT)
    assert hinglish.slots["time"] == "17:00" and "distressed" in hinglish.flags
