"""Phrase banks and templates for ``preprocessing.synth`` (twcs-shaped synthetic data).

Templates are expanded once per run (``build_banks``) into plain strings so the
per-row work in the generator is only a few ``rng.choice`` calls and string
concatenations; that is what keeps 1M rows at well under a minute.

Nothing here carries a label.  "Urgent" phrases are built around the words a
rule labeler keys on (refund, fraud, not working, cuenta bloqueada, ...) and
"routine" phrases deliberately include harmless look-alikes (no problem,
thanks for the help, badge, tissues, terror movie) so the rules get tested.
Texts never contain a carriage return: Python's csv writer with
lineterminator "\\n" would leave a bare "\\r" unquoted.
"""
from __future__ import annotations

import random

# Slot values.  Spanish amounts use a decimal comma so many rows need quoting.
_SLOTS = {
    "en": {
        "city": ["Chicago", "London", "Austin", "Manchester", "Toronto", "Seattle", "Leeds", "Dallas", "Denver"],
        "item": ["iPhone", "MacBook", "AirPods", "Echo Dot", "Kindle", "iPad", "Apple Watch", "Fire TV stick"],
        "name": ["Sarah", "Mike", "Laura", "Kevin", "Priya", "Tom", "Jess"],
        "code": ["503", "E-1001", "0x80070005", "404", "AUTH-17", "500", "PMT_DECLINED", "-9806"],
    },
    "es": {
        "city": ["Madrid", "Bogotá", "Medellín", "Sevilla", "A Coruña", "Logroño", "Cádiz", "Málaga", "Cali",
                 "Valencia", "Peñíscola", "León"],
        "item": ["iPhone", "portátil", "router", "móvil", "decodificador", "reloj", "televisor"],
        "name": ["Ana", "José", "Begoña", "Íñigo", "Lucía", "Andrés", "Nuria"],
        "code": ["503", "E-1001", "0x80070005", "404", "AUTH-17", "500", "TRX-22", "ERR_CONN"],
    },
}

EN_URGENT = [
    "my package was marked delivered but never arrived, order {order}",
    "I was charged twice for order {order}, please refund the {amount}",
    "there is an unauthorized charge of {amount} on my account, this is fraud",
    "my account is locked and I can't log in",
    "can't log in since this morning, it keeps saying \"invalid password\"",
    "the app keeps crashing with error {code}",
    "your service is down again in {city}, total outage for {days} days",
    "still no refund after {days} days, where is my money?",
    "money not received, the transfer of {amount} never arrived",
    "payment failed but the money left my account anyway",
    "my card was blocked for no reason and I'm stuck at the checkout",
    "someone hacked my account and changed my email",
    "the update broke my {item}, it won't turn on",
    "the driver took a wrong route and charged me {amount}, I want a refund",
    "no internet since {time}, I work from home and this is urgent",
    "got an email about a purchase I didn't make, is my account compromised?",
    "the checkout page shows error {code} every time I try to pay",
    "my premium subscription disappeared but you're still charging me",
    "order {order} arrived damaged and the refund button doesn't work",
    "my {item} stopped charging after the update, not working at all",
    "the app says \"account suspended\" and nobody answers the phone",
    "locked out of my account and I have bills due today",
    "music stops every 10 seconds, not working on any device",
    "the ride was cancelled but I was still charged {amount}",
    "phone service down in {city}, can't even call emergency numbers",
    "why was I charged {amount} for a subscription I cancelled?",
    "I reported this issue {days} days ago and nothing has been fixed",
    "the 2FA code never arrives so I can't log in",
    "my transfer failed and the money is gone",
    "someone used my card, unauthorized charge of {amount} from a store in {city}",
    "login keeps failing with error {code}",
    "worst customer service ever, my problem is still not resolved",
    "your website is down and I need to cancel my booking today",
    "my flight was cancelled and I can't get a refund",
    "order {order} was cancelled without reason and I was charged anyway",
    "the app crashes on launch since the last update",
    "the ATM kept my card and didn't give me the money",
    "my account was closed without warning and my {amount} balance is stuck inside",
    "error {code} when I try to log in, is there an outage?",
    "I've been charged twice this month, {amount} each time",
    "the website says \"payment error\" but my bank shows the charge",
    "my {item} keeps restarting, this is a bad issue",
    "outage again?? nothing loads in {city}",
]

EN_ROUTINE = [
    "thanks for the help, all sorted now",
    "what time does the store in {city} open on sunday?",
    "no problem, take your time",
    "do you ship to {city}?",
    "love the new update, great job",
    "how do I change the email on my account?",
    "is there a student discount for premium?",
    "just got my verified badge in the app, thanks!",
    "do you sell tissues in bulk packs?",
    "when is the terror movie \"The Nun\" coming to the catalog?",
    "can I add a second card to my account?",
    "thanks for fixing it so fast",
    "any plans to add dark mode?",
    "great service from the driver today, 5 stars",
    "does the {item} come with a charger in the box?",
    "can you recommend a playlist for studying?",
    "is it possible to schedule a delivery for saturday?",
    "{name} from your team was super helpful, thank you",
    "how long does standard shipping to {city} usually take?",
    "just wanted to say the new feature is awesome",
    "what's the difference between the family and duo plans?",
    "got the replacement today, thanks for the help!",
    "is the \"Year in Review\" playlist out yet?",
    "happy to help test the beta if you need people",
    "no worries, it arrived this morning, thanks",
    "can I pick up my order at the store in {city}?",
    "any news on the new {item} release date?",
    "the terror movie marathon this weekend was amazing",
    "where can I download the invoice for order {order}? need it for expenses",
    "does the gift card work in other countries?",
    "how do I turn off autoplay?",
    "loving the podcast recommendations lately",
    "how many loyalty points do I have?",
    "can I change the delivery address for order {order}? no rush",
    "is the {city} store hiring for the holidays?",
    "no problem at all, the agent sorted it out",
    "what's the best way to gift a subscription?",
]

ES_URGENT = [
    "tengo un problema con mi pedido {order}, no ha llegado",
    "me cobraron dos veces el mismo pedido, quiero el reembolso de {amount}",
    "hay un cobro no autorizado de {amount} en mi cuenta, esto es un fraude",
    "mi cuenta está bloqueada y no puedo entrar",
    "no puedo entrar a la app desde ayer, sale \"error {code}\"",
    "la app no funciona, se cierra sola",
    "caída del servicio en {city}, llevamos {days} días sin internet",
    "hice una transferencia de {amount} y no me llegó el dinero",
    "el pago falló pero el dinero salió de mi cuenta",
    "llevo {days} días esperando el reembolso, ¿dónde está mi dinero?",
    "me bloquearon la tarjeta sin motivo y estoy de viaje",
    "alguien entró a mi cuenta y cambió mi correo, ayuda urgente",
    "sin señal desde las {time}, no puedo trabajar",
    "la factura de este mes trae un cargo de {amount} que no reconozco",
    "el cajero se tragó mi tarjeta y no me dio el dinero",
    "¿dónde está mi pedido? ya pasó una semana",
    "el fallo en la app no me deja pagar, error {code}",
    "me dieron de baja la línea sin avisar",
    "el código de verificación nunca llega y no puedo entrar a mi cuenta",
    "es el peor servicio, el problema sigue sin solución",
    "me siguen cobrando la suscripción que cancelé hace {days} meses",
    "la fibra no funciona desde hace {days} días en {city}",
    "se cayó el sistema y no puedo hacer transferencias",
    "el conductor me cobró {amount} de más y canceló el viaje",
    "el pedido {order} llegó roto y no me dejan pedir reembolso",
    "no funciona el internet en todo el barrio, {city}",
    "cuenta bloqueada otra vez, ya es la tercera vez este año",
    "me robaron el celular, necesito bloquear mi cuenta ya",
    "no me llegó el dinero de la devolución, son {amount}",
    "la web dice \"operación rechazada\" pero el cargo sí aparece",
    "¿hay una caída? no carga nada en {city}",
    "me cobraron dos veces la cuota de este mes",
    "fallo tras fallo, el {item} no enciende desde la actualización",
]

ES_ROUTINE = [
    "gracias por la ayuda, ya quedó resuelto",
    "¿a qué hora abren la tienda de {city} el domingo?",
    "no pasa nada, espero la actualización",
    "¿hacen envíos a {city}?",
    "me encanta la nueva actualización",
    "¿cómo cambio el correo de mi cuenta?",
    "¿hay descuento para estudiantes?",
    "ya me llegó la insignia de cliente oro, gracias",
    "¿venden pañuelos en paquetes grandes?",
    "¿cuándo llega la película de terror \"La Monja\" al catálogo?",
    "feliz año nuevo a todo el equipo",
    "¿puedo añadir una segunda tarjeta?",
    "gracias por solucionarlo tan rápido",
    "¿tienen planes de sacar el modo oscuro?",
    "el conductor fue muy amable, cinco estrellas",
    "¿el {item} trae cargador en la caja?",
    "¿cuánto tarda el envío normal a {city}?",
    "solo quería decir que la nueva función está genial",
    "¿cuál es la diferencia entre el plan familiar y el dúo?",
    "recibí el reemplazo hoy, muchas gracias por la ayuda",
    "no hay problema, me llegó esta mañana. gracias!",
    "¿puedo recoger mi pedido en la tienda de {city}?",
    "¿cuántos puntos tengo acumulados?",
    "¿cómo desactivo la reproducción automática?",
    "¿la tarjeta regalo sirve en otros países?",
    "excelente atención de {name}, muy amable",
    "¿qué tal la señal en la sierra? me voy de vacaciones a {city}",
    "un saludo al equipo, siempre responden rápido",
    "¿cuándo sale el nuevo {item}?",
    "¿el año que viene habrá más conciertos patrocinados?",
    "¿me pueden enviar la factura del pedido {order}? sin prisa",
    "el maratón de películas de terror del finde estuvo genial",
]

OPENERS = {
    ("en", True): ["", "", "", "", "wtf ", "URGENT: ", "help! ", "seriously, ", "this is ridiculous, ", "hey, ",
                   "Hi, ", "3rd time asking: ", "PLEASE HELP ", "ugh ", "not happy: "],
    ("en", False): ["", "", "", "hi ", "hey ", "Hello! ", "quick question: ", "good morning, ", "just curious, "],
    ("es", True): ["", "", "", "", "urgente: ", "ayuda! ", "¡Ayuda! ", "otra vez ", "hola, ", "buenas, ",
                   "esto es increíble, ", "por favor ", "de nuevo "],
    ("es", False): ["", "", "", "hola ", "buenas ", "buenos días, ", "una pregunta: ", "hola! "],
}

CLOSERS = {
    ("en", True): ["", "", "", " please help", " please fix this asap", " this is unacceptable 😡", " #fail",
                   " 😡😡", " worst service ever", " I need this solved today", " anyone there??",
                   " #customerservice #fail", " 🙏", " this is urgent", " really bad experience",
                   " I'm done with you guys", ", not ok"],
    ("en", False): ["", "", "", " thanks!", " 👍", " ❤️", " 🙏", " cheers", " have a nice day", " :)",
                    " #happycustomer", " thank you", ", thanks in advance"],
    ("es", True): ["", "", "", " ayuda por favor", " es urgente", " 😡", " #fail", " #nofunciona",
                   " qué mal servicio", " necesito una solución ya", " ¿alguien me atiende?", " vergüenza 😡😡",
                   " 🙏", " llevo horas esperando", ", no es normal"],
    ("es", False): ["", "", "", " gracias!", " 👍", " ❤️", " 🙏", " saludos", " muchas gracias", " :)",
                    " un saludo", ", gracias de antemano"],
}

# Company replies: apologetic ones answer urgent messages, friendly ones answer routine ones.
REPLIES = {
    ("en", True): [
        "Sorry to hear about this! Please send us a DM with your order number so we can look into it.",
        "We're sorry for the trouble. Can you DM us the email address on your account?",
        "That's not the experience we want for you. Please DM us so we can help.",
        "We hear you and we're on it. Our team is working on a fix right now.",
        "We understand how frustrating this is. Can you confirm when this started?",
        "Thanks for letting us know. Have you tried restarting the device?",
        "Your business means a lot to us. Please DM your name, zip code and details about your concern.",
        "Let's get this sorted. Please reach out via the link below and we'll take it from there:",
    ],
    ("en", False): [
        "Happy to help! You can find that under Settings > Account.",
        "We're glad to hear that! Let us know if there's anything else we can do.",
        "Thanks for the kind words, we'll pass them along to the team!",
        "Great question! Check out the details here:",
        "You're welcome! Enjoy your day.",
        "Hi there! Yes, that's possible. Send us a DM and we'll set it up.",
        "Thanks for reaching out. Store hours can vary, so please check the store locator.",
    ],
    ("es", True): [
        "Lamentamos las molestias. Escríbenos por MD con tu número de pedido y lo revisamos.",
        "Hola, ¿nos indicas por privado tu DNI y un teléfono de contacto?",
        "Sentimos lo ocurrido. ¿Desde cuándo te pasa?",
        "Estamos trabajando para solucionar la incidencia lo antes posible.",
        "¿Has probado a reiniciar el router? Si sigue igual, escríbenos por privado.",
        "Entendemos tu malestar. Te ayudamos por MD, ¿vale?",
        "Para revisarlo, por favor, contáctanos desde este enlace:",
    ],
    ("es", False): [
        "¡Nos alegra saberlo! Cualquier otra cosa, aquí estamos.",
        "Gracias por tus palabras, se las haremos llegar al equipo 😊",
        "Buena pregunta: lo encuentras en Ajustes > Cuenta.",
        "¡A ti! Que tengas buen día.",
        "Hola, sí, se puede. Te contamos los detalles aquí:",
        "Los horarios cambian según la tienda, consúltalos en la web, por favor.",
    ],
}

# Second customer message in a thread, after the company answered.
FOLLOWUPS = {
    ("en", True): ["still not working", "I already did that and it still fails", "DM sent 2 hours ago, no answer",
                   "that didn't help, the error is still there", "third time I'm asking, please call me",
                   "the charge is still there", "no, I still can't log in", "you said that yesterday. still broken"],
    ("en", False): ["thanks for the help, it works now!", "perfect, thank you", "all good now, no problem",
                    "ok, DM sent. thanks", "that did the trick, cheers", "great, thanks!"],
    ("es", True): ["sigue sin funcionar", "ya lo hice y sigue igual", "mandé MD hace horas y nadie responde",
                   "no me sirve, el error sigue", "el cobro sigue apareciendo", "sigo sin poder entrar"],
    ("es", False): ["gracias por la ayuda, ya funciona!", "perfecto, gracias", "listo, ya quedó",
                    "ok, ya les escribí por privado. gracias", "genial, muchas gracias"],
}

# Another customer piling onto an urgent first message.
ME_TOO = {
    "en": ["same problem here, can't log in either", "me too!! not working since this morning",
           "+1, also charged twice", "same issue in {city}, total outage"],
    "es": ["a mí me pasa lo mismo", "igual aquí, sin servicio en {city}", "lo mismo, me cobraron dos veces",
           "yo tampoco puedo entrar a la cuenta"],
}

# Company-initiated tweets that a customer then replies to.
BROADCASTS = {
    "en": ["We're aware some customers are having trouble logging in. Our team is on it.",
           "New in the app: dark mode is here! 🌙", "Our stores in {city} will open late tomorrow.",
           "Heads up: scheduled maintenance tonight from 1 to 3 AM."],
    "es": ["Estamos al tanto de una incidencia que afecta a algunos clientes en {city}.",
           "¡Novedad! Ya puedes pagar con el móvil 📱", "Mañana las oficinas abrirán a las 10:00.",
           "Aviso: mantenimiento programado esta noche de 1:00 a 3:00."],
}

COMPANIES = {
    "en": ["AmazonHelp", "AppleSupport", "SpotifyCares", "Uber_Support", "comcastcares", "TMobileHelp",
           "AskPayPal", "ChaseSupport", "VirginTrains", "British_Airways", "XboxSupport", "UPSHelp", "Delta"],
    "es": ["Movistar_ES", "BBVA_Ayuda", "Nequi", "Iberia_es", "vodafone_es", "Orange_Espana", "AyudaSantander",
           "Rappi_Ayuda", "MercadoPagoAyuda"],
}

SIGNATURES = ["^JS", "^MK", "^RR", "-AB", "^HP", "^LC", "-Dani", "^MM", ""]


def _slot_values(lang: str, rng: random.Random) -> dict:
    """One random filling for every slot name used by the templates."""
    s = _SLOTS[lang]
    if lang == "en":
        amount = f"${rng.randint(5, 499)}.{rng.randint(0, 99):02d}"
        order = f"{rng.randint(100, 999)}-{rng.randint(1000000, 9999999)}"
    else:
        amount = f"{rng.randint(5, 499)},{rng.randint(0, 99):02d} €"
        order = f"#{rng.randint(10000000, 99999999)}"
    return {"amount": amount, "order": order, "days": rng.randint(2, 15), "time": f"{rng.randint(6, 22):02d}:00",
            "city": rng.choice(s["city"]), "item": rng.choice(s["item"]), "name": rng.choice(s["name"]),
            "code": rng.choice(s["code"])}


def _expand(templates: list[str], lang: str, rng: random.Random, k: int = 12) -> list[str]:
    """Fill each template k times; dict.fromkeys dedups while keeping a deterministic order."""
    out = [t.format(**_slot_values(lang, rng)) for t in templates for _ in range(k if "{" in t else 1)]
    return list(dict.fromkeys(out))


def build_banks(rng: random.Random) -> dict:
    """All per-run string pools, keyed like ``banks["core"][("en", True)]``."""
    core = {("en", True): EN_URGENT, ("en", False): EN_ROUTINE, ("es", True): ES_URGENT, ("es", False): ES_ROUTINE}
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return {
        "core": {key: _expand(tpl, key[0], rng) for key, tpl in core.items()},
        "me_too": {lang: _expand(tpl, lang, rng, 4) for lang, tpl in ME_TOO.items()},
        "broadcast": {lang: _expand(tpl, lang, rng, 4) for lang, tpl in BROADCASTS.items()},
        # A fixed pool of t.co links: random per row would cost ~10 rng calls each.
        "urls": ["https://t.co/" + "".join(rng.choices(alphabet, k=10)) for _ in range(4096)],
    }
