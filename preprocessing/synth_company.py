"""What the companies say in ``preprocessing.synth`` threads: handles, replies, broadcasts, signatures.

    from preprocessing import synth_company; synth_company.COMPANIES["es"]

Company rows never reach the model (the ETL keeps customer messages), but the
threads need them: replies carry the twcs links, and broadcasts start threads
that a customer answers.
"""
from __future__ import annotations

# Handles by language of the thread; many sectors, as support inboxes are.
COMPANIES = {
    "en": ["AmazonHelp", "AppleSupport", "SpotifyCares", "Uber_Support", "comcastcares", "TMobileHelp",
           "AskPayPal", "ChaseSupport", "VirginTrains", "British_Airways", "XboxSupport", "UPSHelp", "Delta",
           "NetflixHelps", "AskAmex", "VerizonSupport", "DoorDash_Help", "AirbnbHelp", "GEICO_Service",
           "ConEdison", "RevolutApp", "AskCiti", "Ask_WellsFargo", "DeliverooHelp", "sainsburys"],
    "es": ["Movistar_ES", "BBVA_Ayuda", "Nequi", "Iberia_es", "vodafone_es", "Orange_Espana", "AyudaSantander",
           "Rappi_Ayuda", "MercadoPagoAyuda", "ClaroColombia", "Bancolombia", "TelcelSoluciona", "CaixaBank",
           "Glovo_ES", "DiDi_Mexico", "Iberdrola", "Mapfre_ES", "Avianca", "AmazonAyuda", "NetflixLAT",
           "Daviplata", "mercadolibre", "Ualabis", "Aeromexico", "RenfeAyuda"],
}

# Apologetic replies answer urgent messages, friendly ones routine ones.
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
        "Please don't share any card details here. Call the number on the back of your card right away.",
        "We've escalated this to our specialist team; they'll be in touch within 24 hours.",
    ],
    ("en", False): [
        "Happy to help! You can find that under Settings > Account.",
        "We're glad to hear that! Let us know if there's anything else we can do.",
        "Thanks for the kind words, we'll pass them along to the team!",
        "Great question! Check out the details here:",
        "You're welcome! Enjoy your day.",
        "Hi there! Yes, that's possible. Send us a DM and we'll set it up.",
        "Thanks for reaching out. Store hours can vary, so please check the store locator.",
        "Glad it's all sorted! Have a great weekend.",
    ],
    ("es", True): [
        "Lamentamos las molestias. Escríbenos por MD con tu número de pedido y lo revisamos.",
        "Hola, ¿nos indicas por privado tu DNI y un teléfono de contacto?",
        "Sentimos lo ocurrido. ¿Desde cuándo te pasa?",
        "Estamos trabajando para solucionar la incidencia lo antes posible.",
        "¿Has probado a reiniciar el router? Si sigue igual, escríbenos por privado.",
        "Entendemos tu malestar. Te ayudamos por MD, ¿vale?",
        "Para revisarlo, por favor, contáctanos desde este enlace:",
        "No compartas datos de tu tarjeta por aquí. Llama ya a la línea de fraude.",
        "Ya escalamos tu caso al área encargada, te contactarán en 24 horas.",
    ],
    ("es", False): [
        "¡Nos alegra saberlo! Cualquier otra cosa, aquí estamos.",
        "Gracias por tus palabras, se las haremos llegar al equipo 😊",
        "Buena pregunta: lo encuentras en Ajustes > Cuenta.",
        "¡A ti! Que tengas buen día.",
        "Hola, sí, se puede. Te contamos los detalles aquí:",
        "Los horarios cambian según la tienda, consúltalos en la web, por favor.",
        "¡Qué bueno que ya esté resuelto! Un saludo.",
    ],
}

# Company-initiated tweets that a customer then replies to ({city} is a slot).
BROADCASTS = {
    "en": ["We're aware some customers are having trouble logging in. Our team is on it.",
           "New in the app: dark mode is here! 🌙", "Our stores in {city} will open late tomorrow.",
           "Heads up: scheduled maintenance tonight from 1 to 3 AM.",
           "Reminder: we will never ask for your password or PIN by phone or text."],
    "es": ["Estamos al tanto de una incidencia que afecta a algunos clientes en {city}.",
           "¡Novedad! Ya puedes pagar con el móvil 📱", "Mañana las oficinas abrirán a las 10:00.",
           "Aviso: mantenimiento programado esta noche de 1:00 a 3:00.",
           "Recuerda: nunca te pediremos tus claves por teléfono ni por SMS."],
}

SIGNATURES = ["^JS", "^MK", "^RR", "-AB", "^HP", "^LC", "-Dani", "^MM", ""]
