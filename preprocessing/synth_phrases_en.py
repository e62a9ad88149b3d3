"""English customer phrases for ``preprocessing.synth`` (grammar in ``synth_text``).

    python -m preprocessing.synth_agreement --rows 20000   # how the rules read what these produce

URGENT holds what needs a person soon, by category (fraud, lock-outs, money that
never arrived, outages, safety, ...); ROUTINE (``synth_harmless_en``) holds what
does not, much of it in URGENT's own words, so a model cannot learn urgency from
one keyword. Here too: the slots, category weights and the parts around a core
(openers, extras, closers, follow-ups, text-speak). Categories follow
data/gold/README.md's guidelines, not any gold message.
"""
from __future__ import annotations

from .synth_harmless_en import ROUTINE  # noqa: F401  (re-exported: the grammar reads both classes here)


def _amount(rng) -> str:
    r = rng.random()
    if r < 0.6:
        return f"${rng.randint(5, 999)}.{rng.randint(0, 99):02d}"
    return f"£{rng.randint(5, 600)}" if r < 0.8 else f"${rng.choice([20, 50, 100, 150, 200, 300, 500, 1200, 2500])}"


SLOTS = {
    "amount": _amount,
    "order": lambda rng: f"{rng.randint(100, 999)}-{rng.randint(1000000, 9999999)}",
    "days": lambda rng: str(rng.randint(2, 15)),
    "n": lambda rng: str(rng.randint(3, 7)),
    "time": lambda rng: f"{rng.randint(6, 11)}{rng.choice(['am', 'pm', ':30am', ':15pm'])}",
    "weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "month": ["January", "March", "May", "June", "August", "September", "October", "November"],
    "since": ["since this morning", "since yesterday", "since last night", "for {days} days", "since {weekday}",
              "since {time}", "for 2 hours", "since the weekend", "since the update", "since the storm", "all day"],
    "city": ["Chicago", "London", "Austin", "Manchester", "Toronto", "Seattle", "Leeds", "Dallas", "Denver",
             "Phoenix", "Atlanta", "Glasgow", "Miami", "Boston", "Bristol", "Vancouver", "Houston", "Dublin"],
    "item": ["iPhone", "MacBook", "AirPods", "Echo Dot", "Kindle", "iPad", "Apple Watch", "Fire TV stick",
             "laptop", "phone", "Xbox", "router", "headphones", "TV", "Pixel", "console", "tablet", "smart plug"],
    "wrong_item": ["phone case", "bag of rice", "used charger", "rock", "kids' toy", "single sock"],
    "plan": ["my subscription", "Premium", "the family plan", "my membership", "the gym add-on",
             "cable TV", "my old line", "the insurance policy", "Game Pass", "the music plan"],
    "name": ["Sarah", "Mike", "Laura", "Kevin", "Priya", "Tom", "Jess", "Carlos", "Aisha", "Dave"],
    "person": ["my brother", "a friend", "my supplier", "my daughter at college",
               "the plumber", "my roommate"],
    "merchant": ["a store in {city}", "an online casino", "a website I've never heard of",
                 "some app store", "an electronics shop in {city}", "a hotel in {city}", "a crypto site"],
    "place": ["on Main St", "at the mall", "at the airport", "near my office", "in the grocery store", "downtown"],
    "code": ["503", "E-1001", "0x80070005", "404", "AUTH-17", "500", "PMT_DECLINED", "-9806", "0x87dd0006",
             "ERR_NETWORK", "BLZ-51", "CE-34878-0"],
    "regulator": ["the FCC", "the CFPB", "the BBB", "the FTC", "Trading Standards", "Ofcom", "the ombudsman",
                  "the attorney general", "the FCA"],
    "competitor": ["Verizon", "the other guys", "a competitor", "literally anyone else"],
    "artist": ["Taylor Swift", "Drake", "SZA", "Olivia Rodrigo", "Harry Styles", "the Arctic Monkeys", "Beyoncé"],
    "show": ["this show", "Stranger Things", "the Bake Off", "anime", "true crime docs", "the new season"],
    "app_thing": ["dark mode", "split payments", "a home screen widget", "offline mode", "shared playlists",
                  "an export to CSV", "a spending chart"],
}

# Relative weight of each category (default 2): how often a message is about it.
WEIGHTS = {"lockout": 3, "charges": 3, "money_missing": 3, "not_delivered": 3, "outage": 3, "broken": 3,
           "lost_item": 1, "legal": 1, "sarcasm": 1, "mixed": 1, "escalation": 2,
           "resolved": 4, "policy": 3, "hypothetical": 3, "smalltalk": 3, "how_to": 3, "info": 3,
           "feature": 1, "admin": 2, "no_complaints": 3, "praise": 3, "mixed_routine": 1,
           "short": 1, "short_urgent": 1}

URGENT = {
    "fraud": [
        "why is there a {amount} payment to you on my card? I {haven't used the app since {month}|don't even have an account}",
        '{my bank|the bank app} flagged {a|two} {payment|payments} to {merchant}, not me. {stop them|freeze everything|what do I do}',
        "{there's|there is|I see|just found} {a charge|a transaction|a payment} of {amount} {on my card|on my account|on my statement} that I {didn't make|never made|don't recognize|did not authorize}",
        "{who|somebody} just spent {amount} at {merchant} with my card?? {the card is in my wallet|I was asleep}",
        "{unknown|random|weird} {charges|transactions|purchases} {keep showing up|appeared overnight|popping up} on my {card|account}, {amount} so far. {freeze|block|cancel} {it|my card} {now|please|asap}",
        "{my card was used|someone used my card} {to buy|for} {amount} {of stuff|worth of gift cards|at {merchant}} {while I was asleep|and I still have the card|and I never left the house}",
        "{got|just got} {a text|an alert|a notification} for a {purchase|withdrawal} of {amount} I {didn't|did not} make. {is my account compromised|what is going on|how do I stop this}?",
        "{fraudulent|unauthorized|unauthorised} {charge|transaction|withdrawal} of {amount} on my {debit card|credit card|account}, I need {it reversed|my money back|a new card} {today|asap}",
        "{there are|I count} {3|4|5} {purchases|payments} on my {statement|bill} from {merchant} and I've never {used|heard of} {it|them}",
    ],
    "scam": [
        '{someone|a guy} rang me saying he was from your {security team|bank} and wanted the {one-time code|code you texted me}. I {gave it|read it out} before I realised',
        '{a site|an ad} {using your name|that looked exactly like yours} sold me {a {item}|tickets} for {amount}, {never arrived|the seller vanished}, was it {fake|a scam}?',
        '{my mom|my dad|my grandma} got a call from "your fraud department" and {moved|sent} {amount} to a "safe account"',
        "{someone|a guy|a woman} {called|texted} me {pretending|claiming} to be {from your fraud team|one of your agents|from your support} and I {gave them|read them} {the code|my PIN|my password}. {what do I do now|I think I got scammed|please}",
        "{got|just got} {an email|a text|a DM} that {looked like|I thought was} yours asking {to confirm my card details|for my login|me to pay a fee to release my package} and I {clicked the link|entered everything|already paid}. {was it fake|did I just get scammed|what now}?",
        "{a fake account|a fake page|an account} {using your logo|pretending to be your support} {took|got} {amount} from me",
        "{a seller|the seller} {took|kept} my {amount} and {disappeared|blocked me|never sent anything}. {this was a scam|I've been scammed}",
        "I {think|am pretty sure} I {fell for|got hit by} a {phishing|scam} {text|call|link} and now there are {transfers|charges} I didn't do",
        "your \"agent\" {asked me to|made me} {install an app|share my screen|read him the code you sent} and {right after|minutes later} {amount} {left|disappeared from} my account",
    ],
    "takeover": [
        "{got|received} {an email|a text} {saying|that} my password was changed. {I didn't do that|it wasn't me} and now {it won't let me in|my orders page shows stuff I never bought}",
        "{there's|I found} {a loan|a credit card|a phone contract} {under|in} my name that I never signed",
        "{my|the} {2FA|login} {number|phone} on my account {is|was changed to} a number I don't {know|recognise}",
        "{my account|my account here} {got|was|has been} hacked{,|.} {they|the hacker} changed {my email|my password|the phone number|the email and password}{ and I can't get back in|, I'm locked out|}",
        "{someone|somebody} {is|keeps} logging {in|into my account} from {another country|{city}|a device I don't own} {and I can't kick them out|and they're buying stuff}",
        "my phone {suddenly|just} {lost|has no} service and {now|then} I'm getting {password reset|login} {emails|codes} I didn't ask for. {SIM swap|did someone port my number}?",
        "{someone|a stranger} {opened|took out} a {line|credit card|loan|account} in my name. I never {applied|signed up} for {it|anything}. {identity theft|this is identity theft}",
        "{got|received} {a welcome email|a bill} for {an account|a phone line} I {never opened|didn't open}{, someone is using my identity|}",
        "{my email|my password|my recovery number} {was|got} changed {and it wasn't me|last night, not by me}",
    ],
    "lockout": [
        '{it|the app} keeps asking me to verify {my identity|my phone number} and the {code|text} never {comes|arrives}',
        "cant log into my {acount|account|acct} {its|it's} saying {wrong password|user not found} but i know its right",
        "{forgot|reset} my password and now {the app|your site} {won't accept|rejects} {the new one|anything I type}",
        "{been|I've been} {kicked out|logged out} of {my account|the app} and {it|support} says my account {doesn't exist|is under review}",
        "{can't|cant|can not|cannot|unable to} {log in|login|log into|sign in to|get into|access} my {account|acount|app} {since}",
        "{my account is|account} {locked|blocked|suspended|disabled|frozen|deactivated} {for no reason|without any explanation|and I have no idea why}",
        "it keeps {saying|telling me} \"{incorrect password|account locked|too many attempts|session expired|user not recognised}\" {even after resetting|but the password is right|every single time}",
        "{the verification code|the 2FA code|the SMS code|the OTP} {never arrives|doesn't come|isn't coming} so I {can't|cannot} {get in|log in|get to my money}",
        "locked out {again|for the {2nd|3rd} time this week|and your reset link {is broken|doesn't work}}",
        "{reset my password|did the password reset} {3|4|5} times and it still {won't let me in|rejects it|says wrong password}",
        "i {cant|can't} {get in|acess|access} my {acount|account} and {all my money is in there|i have bills to pay|my savings are in there}",
    ],
    "charges": [
        'my {statement|bank app} shows {2|3} {payments|charges} to you {this month|today} for the same thing',
        'you {renewed|auto-renewed} {plan} {without asking|after I turned auto-renew off} and took {amount}',
        "{I was|I got} {charged|billed} {twice|two times|double|3 times} for {the same order|order {order}|my plan this month|one ride}{, {amount} each|}",
        "why am I still being {charged|billed} for {plan} {after I cancelled|when I cancelled {days} days ago|I cancelled in {month}}?",
        "{cancelled|canceled} {plan} {last month|in {month}|weeks ago} and you {charged me|took} {amount} {again|anyway|today}",
        "{my bill|this month's bill|my invoice} {is|came to} {amount} instead of the usual {amount}. {nobody told me about this|I never agreed to any increase}",
        "{charged|billed} {amount} for {an order that was cancelled|a ride I never took|something I never signed up for}",
        "you took {amount} {out of my account|from my card} {and|but} {the order says cancelled|there's no order|nothing shows on my account}",
        "{extra|hidden|surprise} {fees|charges} of {amount} on my {bill|statement} {that nobody explained|, I never agreed to this|}",
    ],
    "money_missing": [
        '{the money|my {amount}} {left|came out of} my account but {the shop|the seller} says {they got nothing|no payment came in}',
        "{the ATM|the cash machine} {ate|swallowed} my card and it's the only one I have",
        "{a cash deposit|a check deposit|my deposit} of {amount} {at the branch|at the ATM|in the app} {never showed up|isn't in my balance} after {days} days",
        "{the|my} {bill payment|top-up|wallet reload} {says completed|shows successful} but {the other side hasn't received it|my balance didn't change}",
        "{sent|transferred} {amount} to {person} {on {weekday}|yesterday|{days} days ago}, {it left my account but they never got it|money is gone and it never arrived|it's not showing on their side}",
        "the {ATM|cash machine} {place} {didn't give me the cash|kept my card|gave me nothing} but {took|debited} {amount} {from my account|anyway}",
        "{topped up|added|loaded} {amount} to my {wallet|balance|card} and it {never showed up|is not there|isn't reflected}{ but the money is gone from my bank|}",
        "{paid|I paid} my {bill|electric bill|phone bill|rent} {through the app|online} {on {weekday}|days ago}, the money left my account but {it still shows unpaid|now you're threatening to cut me off|I got a late fee}",
        "{still no refund|haven't gotten my refund|still waiting on my refund} after {days} {days|weeks}{, where is my money|. you said 3-5 business days|}",
        "a {deposit|transfer} of {amount} has been {pending|on hold|stuck} for {days} days {and I need that money|with no explanation}",
    ],
    "not_delivered": [
        "{paid for|bought} {my|the|a new} {item} {{days} days ago|last week} and {nothing arrived|it never showed up|tracking hasn't moved since}",
        "tracking says {delivered|\"delivered\"} but {there's nothing here|I never got it|there's no package anywhere}{, checked with the neighbours|}",
        "the {box|package} {arrived|came} {torn open|with a {wrong_item} instead of my {item}}",
        "{paid|I paid} for {Premium|the upgrade|express delivery|a year upfront} and {I still don't have it|my account still shows the free plan|it's not active}",
        "ordered {food|dinner|groceries} {an hour ago|2 hours ago|at {time}}, the app says delivered, {never came|nothing came}{ and there's no refund button|}",
        "the {technician|installer|engineer} {never showed|didn't show up|was a no-show} {again|for the {2nd|3rd} time} and I {took the day off|waited all day}{ for nothing|}",
    ],
    "outage": [
        '{nothing loads|no page loads|no app works} {at home|on my phone} and the router lights are {blinking|red|off}',
        '{our whole town|the entire area|my whole zip code} {has no|lost} {signal|internet|power|cable} {since}',
        "{we|I} can't {make calls|send texts|get online} {at all|anywhere} {since}",
        "{no internet|internet is down|wifi is dead|no service|no signal} {since} {in {city}|here|at home}{, is there an outage|?|}",
        "{whole|entire} {neighborhood|street|building|block} {has been|is} without {internet|power|service|signal} {since}{, when will it be fixed|}",
        "{your|the} {app|website|site|service} is down{ again|}{?|?!|, nothing loads|, can't do anything}",
        "{our|my} {business|shop|restaurant|office} has {no internet|no phone lines|no card payments} {since}{, we are losing money|, we can't take payments|}",
        "{internet|my connection|the line} {keeps cutting out|goes in and out} {since}{ and I work from home|, I can't work|}",
        "{calls|texts|data} {not going through|aren't working|won't connect} {at all|in {city}}{, can't reach anyone|}",
        "{is|} {the network|everything|service} down in {city}{?|??|? nothing works}",
        "{payments|transfers} {keep failing|are failing|not going through} {in the app|} {since}",
    ],
    "broken": [
        '{my|the} {item} just shows a {black|blank} screen{ since the update| after the update|}',
        "{the app|app} just {spins|keeps loading} forever and {never opens|I can't do anything}",
        "{the|my} {item} {died|shut down} {after {days} days|a week after I bought it} and {won't come back on|won't start}",
        "{the app|app} {keeps crashing|crashes|closes itself|freezes} {when I try to pay|when I log in|on launch|since the update}",
        "{my|the} {item} {won't turn on|is dead|won't charge|won't boot|is stuck on the logo|keeps restarting} {after|since} {the update|yesterday}",
        "{getting|I get|keep getting} error {code} {when|every time} I {try to pay|log in|open the app|check out}",
        "{the update|your update|last night's update} {bricked|broke|killed} my {item}{, it's useless now|}",
        "{the screen|the display} {went black|is flickering|cracked by itself} and the {item} is {brand new|{days} days old}",
        "{my|the} {router|modem|cable box} {has a red light|keeps rebooting|isn't working} and {nothing works|I've restarted it {5|10} times}",
        "{nothing loads|the checkout won't load|the payment page won't load} {in the app|on the site}, {spinning wheel forever|blank screen|just a white page}{ {since}|}",
    ],
    "safety": [
        '{my|the} {phone|charger|power bank} got so hot it {burned my hand|melted the case|left a mark on the table}',
        "{your|the} driver {locked the doors and wouldn't let me out|made comments about me the whole ride|took a detour down a dark road} {and I was scared|, I'm still shaking}",
        'the {stairs|balcony railing|floor} in {the rental|our apartment} is {collapsing|loose|broken} and {my kid almost fell|someone will get hurt}',
        "{my|the} {item|charger|battery} {is overheating|started smoking|is burning hot|is swelling|is sparking} {and smells like burning|, I'm scared to use it|, it nearly caught fire}",
        "{the|my} driver was {running red lights|swerving between lanes|nodding off at the wheel|yelling at me} and I {felt unsafe|was terrified|was scared for my life}",
        "{the driver|your courier} {harassed|threatened|followed} me {after the trip|home|and keeps messaging me}{, I don't feel safe|}",
        "{there's a gas leak|I smell gas|there's a burning smell} {near the meter|from your equipment|from the box outside} and {nobody answers|no one is coming}",
        "{a cable|a live wire|a pole} {is down|is hanging|fell} {on our street|across the sidewalk} {after the storm|} and {kids walk there|nobody came}",
        "{my order|the food} had {peanuts|nuts|shrimp} even though I {marked a severe allergy|wrote allergy in the notes}{ and my kid reacted|, we're at the ER|}",
        "the driver {left me|kicked me out} {in the middle of nowhere|on the highway|far from my stop} {at night|at {time}} and my battery is almost gone",
    ],
    "travel": [
        "{I'm|we're} stuck {at the airport|at the station|in {city}} because {the flight|the train|the bus} {left without us|never left|was cancelled} and nobody {tells us anything|gives us a hotel}",
        "the {car rental desk is closed|rental company gave our car away|rental desk has no car for us} and {it's {time}|we're stranded|we have a baby with us}",
        "{my flight|flight} {to {city}|} {was|got} cancelled and {nobody is helping|no one rebooked me|there's no one at the desk}{, I'm stuck at the airport|}",
        "{missed|I missed} my connection because {the first flight was late|of your delay} and {you want to charge me|there's no flight until {weekday}|I'm stranded in {city}}",
        "{my luggage|my suitcase|our bags} {didn't arrive|never arrived|got lost} and it's been {days} days{. my meds are in there|}",
        "{the train|my train} {was cancelled|got cancelled}, {no replacement|no bus}, {we're stuck|I'm stranded} {at {city}|on the platform} {at night|with my kids|with my elderly mom}",
        "the {hotel|booking} {you confirmed|your app booked} {doesn't exist|has no record of us|is closed} and {it's {time}|we're on the street|we have kids with us}",
    ],
    "legal": [
        "{I will|I'm going to|next step is to} {file a complaint|report you} {with|to} {regulator}{ if this isn't fixed today|. {days} days of this|}",
        "{my lawyer|my attorney} will be {in touch|contacting you}{ about the {amount} you took|}",
        "{see you in|taking you to} small claims court{ over the {amount}|}",
        "{filing|I filed} a chargeback and {reporting this to|a complaint with} {regulator}{ since nobody responds|}",
    ],
    "escalation": [
        "{I'm|im} {cancelling|switching} after {this|the third outage|the fourth time}. {you lost a customer|done|bye}",
        '{nobody|no one} {has called|called} me back {in {days} days|since {weekday}} {like you promised|after I was told 24 hours}',
        "this is the {third|3rd|4th|fifth} time {this month|this week|in {days} days} {the internet went down|my account got locked|you lost my order}{. I'm done|, cancel everything|, I'm switching|}",
        "{been on hold|waited on hold} for {2|3|4} hours{ and got disconnected|, nobody picks up|}{. unacceptable|}",
        "{n} calls and {2|3} chats {about|over} {this|the same fault} and {it's still broken|nobody has fixed anything}",
        "{cancel|close} my account. after {{days} days without service|three outages this month|the way you've treated me} I'm {done|switching to {competitor}|leaving}",
        "{I want to|let me} {speak|talk} to a {manager|supervisor|real person}{ now|, your bot is useless|}. it's been {days} days",
        "every {agent|person} tells me something different and {my problem is still not fixed|I'm still without service|I still don't have my money}",
    ],
    "sarcasm": [
        '{wow|amazing}, {{days} days|a whole week} {and still nothing|without internet}. {great|stellar|top notch} service{ as always|}',
        '{oh look|oh wow}, {the app|the site|the internet} is down again. {shocking|what a surprise}',
        "{thanks|thank you|great job|wow thanks} for {nothing|the {days} days offline|losing my order}{. amazing service|. 10/10|}{ #fail| 🙃| 👏👏|}",
        "{love|just love|gotta love} paying {amount} for {a service|internet|an app} that {doesn't work|is down half the time|never works}{ 🙃|. #thanks|}",
        "{oh great|cool|fantastic}, {another outage|another charge I didn't make|another cancelled order}{. love it|, exactly what I needed today|}",
        "{{days} days|a week} without {internet|service|my refund} but {sure|yeah}, keep sending me {promo emails|surveys}{ 🙄|}",
    ],
    "lost_item": [
        "{left|I left|forgot} my {wallet|phone|laptop|passport|keys|bag} in {the car|my ride|your store|the plane} {last night|this morning|an hour ago} and {nobody answers|lost and found has nothing}{, I need it {today|for my flight}|}",
    ],
    "mixed": [
        "hola, my account {is bloqueada|got bloqueado} and {I can't get in|no puedo entrar}, {ayuda|help} {pls|por favor}",
        "{me cobraron|they charged me} {twice|dos veces} for {order {order}|the same thing}, {refund please|quiero mi dinero}",
        "the app {says|dice} \"{error|fallo} {code}\" and {my money is gone|no tengo mi dinero}",
    ],
    "short_urgent": [
        "still down",
        "refund??",
        "HELP",
        "no internet again",
        "app down?",
        "where is my money",
        "still nothing",
        "hello?? anyone??",
        "charged twice.",
        "locked out. again.",
    ],
}

# First words of a message, by class.
OPENERS = {
    True: ["", "", "", "", "", "wtf", "URGENT:", "help!", "seriously,", "this is ridiculous,", "hey,", "Hi,",
           "3rd time asking:", "PLEASE HELP", "ugh", "not happy:", "hello?", "so", "ok so", "um", "yo", "guys",
           "Hi there,", "Good morning,", "hey {name} here,", "not again.", "excuse me but"],
    False: ["", "", "", "", "hi", "hey", "Hello!", "good morning,", "hey there,", "hi team,", "yo", "ok so", "Hi,",
            "hello", "so", "hey guys,", "hi {name},", "morning!", "evening all,"],
}

# Only in front of a question, of either class.
QUESTION_OPENERS = ["quick question:", "random question:", "just curious,", "question:", "q:", "hey, question",
                    "sorry if this is dumb but", "can someone tell me", "genuine question,"]

# A second sentence: for urgent messages why it cannot wait, for routine ones why it can.
EXTRAS = {
    True: ["the bills go out {tomorrow|today}", "I have a flight in {2|3} hours", "I need it for work {tomorrow|today}",
           "{my kids are|my baby is} with me", "my business depends on it", "please call me", "fix it now", "I want my money back", "someone please answer",
           "it's been {days} days", "nobody answers the phone", "been on hold for an hour",
           "this is the {2nd|3rd|4th} time", "I can't even buy food", "please escalate this",
           "I'm a customer of {5|10|12} years", "I can't wait days for this",
           "DM sent", "I already tried restarting", "I need this solved today"],
    False: ["no rush", "just curious", "thanks in advance", "love you guys",
            "no hurry at all", "when you get a chance", "just wondering", "have a great day",
            "thanks!", "not urgent", "keep up the good work", "cheers", "hope you're well"],
}

CLOSERS = {
    True: ["", "", "", "", " please help", " please fix this asap", " this is unacceptable 😡", " #fail", " 😡😡",
           " worst service ever", " anyone there??", " #customerservice #fail", " 🙏", " this is urgent",
           " really bad experience", " I'm done with you guys", ", not ok", "!!!", "??", " 😭", " 😤", " smh",
           " pls", " #neveragain", " ???", " asap", " thanks", "."],
    False: ["", "", "", "", " thanks!", " 👍", " ❤️", " 🙏", " cheers", " have a nice day", " :)", " #happycustomer",
            " thank you", ", thanks in advance", " 😊", " lol", "!", " 😂", " x", " thx", "."],
}

# The customer's second message, after the company answered.
FOLLOWUPS = {
    True: ["still not working", "I already did that and it still fails", "DM sent {2|3} hours ago, no answer",
           "that didn't help, {the error|the charge|the problem} is still there", "{third|4th} time I'm asking, please call me",
           "the charge is still there", "no, I still can't log in", "you said that yesterday. still broken",
           "any update? it's been {days} days", "still no money", "nobody has called me back",
           "I did everything you said and it's still down", "still waiting..."],
    False: ["thanks for the help, it works now!", "perfect, thank you", "all good now, no problem",
            "ok, DM sent. thanks", "that did the trick, cheers", "great, thanks!", "got it 👍",
            "no worries, it showed up this morning", "ah ok, makes sense. thanks", "sorted, appreciate it"],
}

# Categories a follow-up may also draw from, by whether the problem is still open.
FOLLOWUP_CATEGORIES = {True: ["escalation", "short_urgent"], False: ["resolved", "short"]}

# Another customer piling onto an urgent first message.
ME_TOO = ["same problem here, can't log in either", "me too!! not working {since}", "+1, also charged twice",
          "same issue in {city}, total outage", "same here, {days} days and no refund", "happening to me too"]

# Words people shorten; a share of rows gets them.
TEXTSPEAK = {"you": ["u", "you", "ya"], "your": ["ur", "your"], "please": ["pls", "plz", "please"],
             "thanks": ["thx", "ty", "thanks"], "because": ["bc", "cuz"], "can't": ["cant", "can't"],
             "don't": ["dont"], "won't": ["wont"], "I'm": ["im", "Im"], "account": ["acct", "acount", "account"],
             "received": ["recieved"], "really": ["rly"], "tomorrow": ["tmrw", "tmr"], "with": ["w/"],
             "message": ["msg"], "without": ["w/o"], "people": ["ppl"], "minutes": ["mins"]}
