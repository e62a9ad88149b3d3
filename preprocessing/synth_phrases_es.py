"""Spanish customer phrases for ``preprocessing.synth`` (Spain and Latin America; grammar in ``synth_text``).

    python -m preprocessing.synth_agreement --rows 20000   # how the rules read what these produce

Same layout as ``synth_phrases_en``: URGENT needs a person soon; ROUTINE
(``synth_harmless_es``) does not and reuses URGENT's words on purpose. Both
registers appear, vosotros/móvil/vale and ustedes/celular/plata, with slang
from Mexico, Colombia and Argentina (lana, parce, che, guita) and no accents.
"""
from __future__ import annotations

from .synth_harmless_es import ROUTINE  # noqa: F401  (re-exported: the grammar reads both classes here)


def _amount(rng) -> str:
    r = rng.random()
    if r < 0.45:
        return f"{rng.randint(5, 499)},{rng.randint(0, 99):02d} €"
    if r < 0.6:
        return f"{rng.randint(5, 900)} euros"
    if r < 0.8:
        return f"${rng.randint(10, 999)}.{rng.randint(0, 9)}00"  # pesos: $45.000
    return f"{rng.choice([50, 80, 120, 200, 350, 500])} mil pesos" if r < 0.9 else f"${rng.randint(100, 4000)} MXN"


SLOTS = {
    "amount": _amount,
    "order": lambda rng: f"#{rng.randint(10000000, 99999999)}",
    "days": lambda rng: str(rng.randint(2, 15)),
    "n": lambda rng: str(rng.randint(3, 7)),
    "time": lambda rng: f"{rng.randint(7, 23)}:{rng.choice(['00', '30', '15'])}",
    "weekday": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
    "month": ["enero", "marzo", "mayo", "junio", "agosto", "septiembre", "octubre", "noviembre"],
    "since": ["desde esta mañana", "desde ayer", "desde anoche", "desde hace {days} días", "desde el {weekday}",
              "desde las {time}", "hace 2 horas", "desde el finde", "desde la actualización", "desde la tormenta",
              "todo el día"],
    "city": ["Madrid", "Bogotá", "Medellín", "Sevilla", "A Coruña", "Logroño", "Cádiz", "Málaga", "Cali",
             "Valencia", "León", "Monterrey", "Guadalajara", "Lima", "Quito", "Barranquilla", "Córdoba",
             "Rosario", "Santiago", "Zaragoza", "Bilbao", "Puebla", "Cartagena"],
    "item": ["iPhone", "portátil", "router", "móvil", "celular", "decodificador", "reloj", "televisor",
             "tablet", "computador", "cargador", "consola", "lavadora", "nevera"],
    "item_art": ["el iPhone", "el portátil", "el router", "el móvil", "el celular", "el decodificador", "el reloj",
                 "la tablet", "el computador", "el cargador", "la consola", "la lavadora", "la nevera", "el televisor"],
    "wrong_item": ["una funda de móvil", "una piedra", "un cargador usado", "un juguete", "un paquete de arroz"],
    "plan": ["la suscripción", "el plan premium", "la línea", "el seguro", "la tarifa de fibra",
             "el gimnasio", "el paquete de TV", "la membresía", "el plan familiar"],
    "name": ["Ana", "José", "Begoña", "Íñigo", "Lucía", "Andrés", "Nuria", "Camilo", "Valentina", "Javi"],
    "person": ["mi hermano", "un proveedor", "mi hija", "un amigo", "mi socio", "la niñera"],
    "merchant": ["una tienda de {city}", "un casino online", "una web que no conozco",
                 "un hotel en {city}", "una tienda de electrónica", "Google Play", "una página de apuestas"],
    "place": ["del centro comercial", "del aeropuerto", "de la esquina de casa",
              "de la estación", "del Éxito", "del Oxxo"],
    "phone": ["móvil", "celular", "teléfono", "cel"],
    "money": ["dinero", "plata", "lana", "pasta", "saldo"],
    "code": ["503", "E-1001", "0x80070005", "404", "AUTH-17", "500", "TRX-22", "ERR_CONN", "-9806", "R-09"],
    "regulator": ["Consumo", "la OCU", "FACUA", "la Superintendencia", "Profeco", "la SIC", "el Banco de España",
                  "la CNMC", "Defensa del Consumidor", "la Superfinanciera"],
    "artist": ["Karol G", "Shakira", "Rosalía", "Peso Pluma", "Quevedo", "Feid", "Aitana", "Mon Laferte"],
    "show": ["la serie nueva", "Stranger Things", "la novela", "anime", "documentales de crímenes"],
    "app_thing": ["el modo oscuro", "pagos divididos", "modo sin conexión", "un widget",
                  "exportar a Excel", "listas compartidas"],
}

WEIGHTS = {"bloqueo": 3, "cobros": 3, "dinero_no_llega": 4, "sin_entrega": 3, "caida": 3, "averia": 3,
           "objeto_perdido": 1, "legal": 1, "sarcasmo": 1, "mixto": 1, "reiterado": 2,
           "resuelto": 4, "politica": 3, "hipotetico": 3, "charla": 3, "como_hacer": 3, "info": 3,
           "funcion": 1, "gestion": 2, "sin_queja": 3, "elogio": 3, "mixto_rutina": 1,
           "corto": 1, "corto_urgente": 1}

URGENT = {
    "fraude": [
        "me {clonaron|duplicaron} la tarjeta{ y me sacaron {amount}|, hay compras en {merchant}}",
        "{hay|tengo} un {cargo|cobro|movimiento|consumo} de {amount} {en mi tarjeta|en la cuenta|en el extracto} que {no reconozco|no hice|yo no autoricé}",
        "alguien {está usando|usó} mi tarjeta en {merchant} y {la tengo yo|estoy en casa}. {bloquéenla|bloqueadla} {ya|por favor|urgente}",
        "{me llegó|recibí} un {SMS|aviso|correo} de una compra de {amount} que no hice{, ¿qué hago?|, ¿me hackearon?|}",
        "{movimientos|compras|cargos} {raros|extraños|que no son míos} en mi cuenta, {ya van|son} {amount}{. ¿cómo los paro?|, ayuda|}",
        "me {vaciaron la cuenta|sacaron {amount} de la cuenta} {anoche|esta madrugada|sin que yo hiciera nada}",
        "{tengo|aparecen} {3|4|5} compras en {merchant} que yo nunca hice, {cancelen|cancelad} la tarjeta",
    ],
    "estafa": [
        "me contactó un supuesto {banco|soporte|call center} y terminé {dándole|pasándole} el código{, ¿qué hago?|. creo que me estafaron|}",
        "me {hackearon|robaron} el {whats|WhatsApp|Instagram|correo} y están pidiendo {plata|dinero} a mis contactos en mi nombre",
        "una página {igualita a la suya|con su nombre} me vendió {entradas|un {item}} por {amount} y {nunca llegó nada|desapareció}",
        "me {llamó|escribió} {alguien|un tipo|una señora} {diciendo que era|haciéndose pasar por} {del banco|un asesor de ustedes|de soporte} y le {di|pasé} {el código|la clave|mi PIN}. {¿qué hago?|creo que me estafaron|ayuda}",
        "{me llegó|recibí} un {mensaje|SMS|correo|WhatsApp} {con un enlace|que parecía suyo} para {actualizar mis claves|pagar una tasa de aduana|confirmar mis datos} y {puse mis datos|ya pagué}{. ¿era falso?|}",
        "{una cuenta falsa|un perfil falso} con su logo me {sacó|quitó} {amount}",
        "el vendedor {se quedó con|cobró} mi {money} y {nunca envió nada|me bloqueó|desapareció}, {es una estafa|me estafaron}",
        "su \"asesor\" me {pidió|hizo} {instalar una app|compartir pantalla|dictarle el código} y {justo después|enseguida} {desaparecieron|salieron} {amount} de mi cuenta",
    ],
    "suplantacion": [
        "me {llegó|llega} un correo de que cambiaron mi contraseña y {no fui yo|yo no hice nada}",
        "{sacaron|hay} un {crédito|préstamo|contrato} a mi nombre que yo nunca firmé",
        "me {hackearon|robaron|jaquearon} la cuenta{ y cambiaron el correo|, cambiaron la contraseña y el número|}",
        "{alguien|un desconocido} {entró|inició sesión|está conectado} en mi cuenta desde {otro país|{city}|un dispositivo que no es mío}{ y no lo puedo sacar|}",
        "mi línea se quedó sin {servicio|señal} de repente y ahora me llegan códigos {que no pedí|de mi banco}. {¿me duplicaron la SIM?|duplicado de SIM}",
        "{alguien|un desconocido} {sacó|abrió} {una línea|un préstamo|una tarjeta} a mi nombre. {suplantación de identidad|yo nunca pedí nada}",
        "hicieron un duplicado de mi SIM sin que yo lo pidiera{ y ahora tienen acceso a mi banco|}",
        "{cambiaron|alguien cambió} {mi correo|mi contraseña|el número de recuperación} y no fui yo",
    ],
    "bloqueo": [
        "me pide verificar {mi identidad|mi número} y el código {nunca llega|no llega nunca}",
        "no puedo {entar|entrar} a mi {cueta|cuenta} dice {clave incorrecta|usuario no existe} pero {esta bien|es la correcta}",
        "me {sacó|botó} de la app y ahora dice que mi cuenta {está en revisión|no existe}",
        "no {puedo|me deja} {entrar|ingresar|iniciar sesión|acceder} {a mi cuenta|a la app|a la banca online} {since}",
        "{mi cuenta|la cuenta|mi usuario} {está|aparece} {bloqueada|bloqueado|suspendida|desactivada|inhabilitada} {sin motivo|sin explicación|y no sé por qué}",
        "{me dice|sale|aparece} \"{contraseña incorrecta|usuario bloqueado|demasiados intentos|sesión caducada}\" {y la clave está bien|aunque la cambié|cada vez}",
        "{el código|el SMS|la clave dinámica|el token} {nunca llega|no me llega} y no puedo {entrar|pagar|sacar mi {money}}",
        "{me bloquearon|bloquearon} la tarjeta {sin avisar|estando de viaje|en pleno pago} y {no tengo otra|no puedo pagar nada}",
        "{cambié|restablecí} la contraseña {3|4|5} veces y {sigue sin dejarme entrar|me sigue diciendo que es incorrecta}",
    ],
    "cobros": [
        "me {renovaron|cobraron la renovación de} {plan} sin preguntar{ y eso que quité la renovación automática|}",
        "me {cobraron|habéis cobrado|han cobrado} {dos veces|doble|tres veces} {el mismo pedido|la misma compra|la factura de {month}|el viaje}{, {amount} cada uno|}",
        "{sigo pagando|me siguen cobrando} {plan} aunque lo cancelé {hace {days} meses|en {month}}",
        "{di de baja|cancelé} {plan} {el mes pasado|en {month}} y {me volvieron a cobrar|igual me cobraron} {amount}",
        "{la factura|mi factura} de este mes {viene|llegó} por {amount} y siempre pago {amount}{. nadie me avisó|}",
        "me {cobraron|han cobrado|descontaron} {amount} por {un pedido cancelado|un viaje que no hice|una suscripción que no pedí}",
        "me {descontaron|debitaron|quitaron} {amount} {de la cuenta|de la tarjeta} {y el pedido sale cancelado|y no hay ninguna compra|sin saber por qué}",
        "{me metieron|aparecen} {cargos|comisiones} de {amount} en la factura que {nadie me explicó|nunca acepté}",
    ],
    "dinero_no_llega": [
        "{no me llega|no me cae|no me entra} {la plata|el depósito|la transferencia|el pago} {y la necesito hoy|desde el {weekday}}",
        "{el pago|la recarga} {aparece como exitoso|dice aprobado} pero {no se refleja|la empresa no lo tiene}",
        "{hice|mandé|envié} una transferencia de {amount} a {person} {el {weekday}|ayer|hace {days} días} y {no le ha llegado|no le llegó|no aparece}{, y a mí ya me la descontaron|}",
        "el cajero {place} {no me dio el dinero|se tragó mi tarjeta|no soltó los billetes} {pero|y} me {descontó|cobró} {amount}",
        "{recargué|cargué|metí} {amount} {a|en} {la billetera|mi saldo|la tarjeta} y no {aparecen|se reflejan|me llegaron}{, pero el banco ya me los quitó|}",
        "pagué {la factura|el recibo de la luz|el servicio|la cuota} {hace {days} días|el {weekday}} y {sigue saliendo pendiente|me quieren cortar el servicio|me cobraron recargo}",
        "{no me ha llegado|todavía no me llega|sigo esperando} {el reembolso|la devolución|mi {money}} y ya van {days} días",
        "no me llega la plata {de la transferencia|de un giro|que me mandó mi hermano} {desde el {weekday}|hace {days} días}",
        "{un depósito|una transferencia} de {amount} {lleva|está} {retenido|retenida|en pendiente} {days} días {sin explicación|y necesito ese dinero}",
    ],
    "sin_entrega": [
        "{el repartidor|el chofer} {me cobró de más|me cobró {amount} en efectivo} y ya había pagado con tarjeta",
        "{pagué|compré} {item_art} {hace {days} días|la semana pasada} y {no ha llegado nada|nunca llegó|el seguimiento no se mueve}",
        "{dice|pone|aparece} entregado pero {no me ha llegado nada|aquí no hay nada|no lo tengo}{, ya pregunté a los vecinos|}",
        "{la caja llegó abierta|el paquete llegó roto|{la caja|el paquete} {llegó|vino} con {wrong_item} en vez de mi {item}}",
        "{pagué|estoy pagando} {la mejora|premium|la fibra de 1 giga} y {no lo tengo activo|me sigue saliendo el plan gratis|me llega a 20 megas}",
        "{pedí|mi pedido de} {comida|el mercado|la cena} {hace un buen rato|a las {time}}, la app {dice|marca} que ya lo entregaron y {nunca llegó|aquí no hay nada}",
        "el {técnico|instalador} {no vino|no apareció|me dejó plantado} {otra vez|por segunda vez} y {pedí el día libre|lo esperé todo el día}{ para nada|}",
    ],
    "caida": [
        "nos cortaron {la luz|el agua|el internet} {y pagué a tiempo|y ya estaba pagado|sin avisar}",
        "{sin internet|sin señal|sin servicio|sin línea|sin luz} {since} {en {city}|en casa|}{. ¿hay alguna avería?|. ¿qué pasa?|}",
        "{todo el barrio|toda la calle|todo el edificio|toda la zona} {lleva|está} sin {internet|luz|señal|servicio} {since}{, ¿para cuándo?|}",
        "se {cayó|ha caído|cayo} {el internet|la app|la web|el sistema|la red} {otra vez|de nuevo|}{?|, no carga nada|}",
        "{mi negocio|mi tienda|el restaurante|la oficina} {lleva|está} sin {internet|datáfono|teléfono} {since}{, estamos perdiendo ventas|, no podemos cobrar|}",
        "{el internet|la conexión|la fibra|el wifi} se {corta|cae|va} a cada rato {since}{ y trabajo desde casa|}",
        "no {salen|entran} las llamadas{ ni los datos|} {since}",
        "{los pagos|las transferencias} {fallan|no pasan|no salen} {en la app|} {since}",
    ],
    "averia": [
        "{mi|el} {celular|móvil} se {murió|apagó} {a la semana|a los {days} días} de comprarlo y no {prende|enciende} más",
        "la app se queda {cargando|pensando} y nunca abre{, no puedo hacer nada|}",
        "la app {se cierra sola|se queda colgada|no abre|se traba} {al pagar|al entrar|desde la actualización}",
        "{mi {item}|{item_art}} {no enciende|no carga|se reinicia solo|se quedó en el logo|se apagó y no prende} {desde|después de} {la actualización|ayer}",
        "{me sale|aparece|sale} {el error|error} {code} {cada vez que intento pagar|al entrar|al abrir la app}",
        "{la actualización|vuestra actualización|su última actualización} {me dejó|ha dejado} {mi {item}|{item_art}} {inservible|como un ladrillo|muerto}",
        "{el router|el módem|el deco} {tiene la luz roja|no funciona|se reinicia solo} y ya lo {reinicié|he reiniciado} {mil|10} veces",
        "{la pantalla|el pago} se queda en blanco {en la app|en la web} {{since}|}, {no puedo hacer nada|imposible pagar}",
    ],
    "seguridad": [
        "{el cargador|la batería|el móvil} se calentó tanto que {me quemó la mano|derritió la funda}",
        "el conductor {cerró las puertas y no me dejaba bajar|me hizo comentarios todo el viaje|se metió por una calle oscura} {y pasé mucho miedo|, sigo temblando}",
        "{huele|sale} {a gas|humo} {del medidor|de la caldera|del calentador} y {nadie viene|no contestan}",
        "tuve un choque y {el seguro|la aseguradora} no contesta, {estoy en la carretera|el carro está varado} {since}",
        "{mi {item}|{item_art}|el cargador} se {calienta muchísimo|está hinchando|puso a echar humo|quemó} {y me da miedo usarlo|y casi se incendia|y huele a quemado}",
        "el conductor {se pasaba los semáforos en rojo|iba zigzagueando|se dormía al volante|me gritaba} {y pasé mucho miedo|y me sentí en peligro|, no me sentí segura}",
        "{el conductor|el repartidor} {me sigue escribiendo|me acosó|me amenazó} {después del viaje|} {y tengo miedo|, no me siento segura}",
        "{hay una fuga de gas|huele a gas} {cerca del contador|en la calle|en la escalera} y {nadie contesta|no viene nadie}",
        "{un cable|un poste} {se cayó|está colgando} {en la calle|en la acera} {desde la tormenta|} y {pasan niños|nadie viene}",
        "el conductor me {dejó|bajó} {en medio de la nada|en la autopista|lejos de mi destino} {de noche|a las {time}} y {tengo poca batería|no sé dónde estoy}",
    ],
    "viaje": [
        "{el uber|el taxi|el chofer} {me dejó tirado|me dejó botado|nunca llegó} {y perdí el vuelo|a las {time}|en plena lluvia}",
        "{estamos atrapados|estoy varado|estoy atrapada} en {el aeropuerto|la terminal|{city}} porque {el vuelo|el bus} {salió sin nosotros|nunca salió} y nadie {nos dice nada|da hotel}",
        "{me cancelaron|cancelaron} el vuelo {a {city}|} {y nadie me da solución|y estoy tirado en el aeropuerto}",
        "perdí la conexión por {su retraso|el retraso del primer vuelo} y {ahora me quieren cobrar otro billete|no hay vuelo hasta el {weekday}|estoy en {city} sin hotel}",
        "{mi maleta|mi equipaje} {no llegó|se perdió} y ya van {days} días{. dentro están mis medicinas|}",
        "{el tren|el bus|el autobús} {se canceló|no salió} y {estamos tirados|estoy tirado} en {city} {de noche|con niños|sin batería}",
        "{el hotel|la reserva} que {confirmaron|me vendieron} {no existe|no tiene nuestra reserva} y {son las {time}|estamos en la calle}",
    ],
    "legal": [
        "{voy a|pienso} {denunciar|poner una reclamación|poner una queja} {ante|en} {regulator}{ si hoy no lo solucionan|. ya van {days} días|}",
        "{mi abogado|mi abogada} se pondrá en contacto {con ustedes|con vosotros}{ por los {amount}|}",
        "{ya puse|he puesto} {la denuncia|una reclamación} en {regulator}{ y en la policía|}",
        "{nos vemos en|los voy a llevar a} {los tribunales|juicio}{ por el cobro de {amount}|}",
    ],
    "reiterado": [
        "me doy de baja {después de|por} {la tercera caída|tantos fallos|esto}. {perdieron un cliente|adiós|se acabó}",
        "{nadie|ninguno} me ha {llamado|devuelto la llamada} en {days} días {y me dijeron 24 horas|como prometieron}",
        "{es la|ya es la} {tercera|cuarta|quinta} vez {este mes|esta semana|en {days} días} que {se cae el servicio|me bloquean la cuenta|llamo por lo mismo}{. me doy de baja|, me voy a la competencia|}",
        "{llevo|he estado} {2|3|4} horas {esperando|en espera} {al teléfono|en el chat}{ y me cuelgan|, nadie contesta|}",
        "{n} llamadas y {2|3} chats por {la misma avería|lo mismo} y {sigue roto|nadie arregla nada}",
        "{quiero|exijo} {dar de baja|cancelar} todo. después de {{days} días sin servicio|tres caídas este mes} me voy",
        "{quiero|necesito} hablar con {un supervisor|un responsable|una persona de verdad}{, el bot no sirve|}. llevo {days} días así",
        "cada {agente|asesor} me dice una cosa distinta y {sigo sin servicio|sigo sin mi {money}|el problema sigue igual}",
    ],
    "sarcasmo": [
        "{wow|increíble}, {{days} días|una semana entera} {y nada|sin internet}. {qué servicio|servicio de lujo} como siempre",
        "{ah mira|vaya}, {la app|la web|el internet} caído otra vez. {qué sorpresa|quién lo diría}",
        "{gracias|muchas gracias|genial|bravo} por {nada|los {days} días sin línea|perder mi pedido|cobrarme dos veces}{. un servicio de 10|. increíble|}{ #fail| 🙃| 👏👏|}",
        "{me encanta|qué maravilla} pagar {amount} por un {servicio|internet} que {no funciona|se cae cada día}{ 🙃|}",
        "{ah genial|perfecto|qué bien}, {otra caída|otro cobro que no hice|otra cancelación}{. justo lo que necesitaba|}",
        "{days} días sin {internet|servicio|reembolso} pero {eso sí|claro}, {me siguen mandando publicidad|la factura llega puntual}{ 🙄|}",
    ],
    "objeto_perdido": [
        "{me dejé|olvidé} {la cartera|el {phone}|el pasaporte|las llaves|la mochila} en {el coche|el carro|el taxi|el avión} {anoche|esta mañana|hace una hora} y {nadie responde|en objetos perdidos no saben nada}{, lo necesito para viajar mañana|}",
    ],
    "mixto": [
        "mi cuenta está {locked|blocked} y no puedo hacer {login|sign in}{, help|}",
        "me hicieron un {double charge|cargo doble} de {amount}{ y nadie me da refund|}",
        "el delivery dice {delivered|entregado} pero no llegó nada{, refund please|}",
        "la app {crashea|se crashea} cada vez que la abro{, no puedo pagar|}",
    ],
    "corto_urgente": [
        "sigue caído",
        "¿y mi reembolso??",
        "sin internet otra vez",
        "AYUDA",
        "¿y mi plata?",
        "nada todavía",
        "¿hola? ¿alguien?",
        "me cobraron doble.",
        "bloqueado otra vez.",
    ],
}

OPENERS = {
    True: ["", "", "", "", "", "urgente:", "ayuda!", "¡Ayuda!", "otra vez", "hola,", "buenas,", "esto es increíble,",
           "por favor", "de nuevo", "oigan", "a ver", "ey", "buenas tardes,", "vaya tela,", "no puede ser,",
           "hola {name} aquí,", "señores,", "ya en serio,"],
    False: ["", "", "", "", "hola", "buenas", "buenos días,", "hola!", "buenas tardes,", "hola equipo,", "oigan",
            "holi", "hola {name},", "qué tal,", "saludos,"],
}

QUESTION_OPENERS = ["una pregunta:", "consulta:", "una duda,", "pregunta rápida:", "perdón si es tonto pero",
                    "me pueden decir", "curiosidad:", "duda:"]

EXTRAS = {
    True: ["{hoy|mañana} se me vencen las cuentas", "tengo un vuelo en {2|3} horas", "lo necesito para trabajar",
           "es mi único {phone}",
           "es urgente", "necesito una solución ya", "llevo {days} días así", "{respondan|contesten} por favor",
           "ya no sé qué hacer", "llámenme por favor", "quiero mi {money}",
           "nadie contesta el teléfono", "es la {segunda|tercera} vez", "soy cliente desde hace {n} años",
           "ya reinicié todo", "ya les escribí por privado", "no tengo ni para el bus"],
    False: ["sin prisa", "es curiosidad", "gracias de antemano", "los quiero",
            "cuando puedan", "solo por saber", "que tengan buen día", "gracias!", "no es urgente",
            "sigan así", "saludos"],
}

CLOSERS = {
    True: ["", "", "", "", " ayuda por favor", " es urgente", " 😡", " #fail", " #nofunciona", " qué mal servicio",
           " necesito una solución ya", " ¿alguien me atiende?", " vergüenza 😡😡", " 🙏", " llevo horas esperando",
           ", no es normal", "!!!", "??", " 😭", " 😤", " porfa", " xfa", " #pésimoservicio", " gracias", "."],
    False: ["", "", "", "", " gracias!", " 👍", " ❤️", " 🙏", " saludos", " muchas gracias", " :)", " un saludo",
            ", gracias de antemano", " 😊", " jaja", "!", " jajaja", " 😂", " besos", " grax", "."],
}

FOLLOWUPS = {
    True: ["sigue sin funcionar", "ya lo hice y sigue igual", "mandé MD hace horas y nadie responde",
           "no me sirve, el error sigue", "el cobro sigue apareciendo", "sigo sin poder entrar",
           "¿alguna novedad? ya van {days} días", "sigo sin mi {money}", "nadie me ha llamado",
           "hice todo lo que dijeron y sigue caído", "sigo esperando..."],
    False: ["gracias por la ayuda, ya funciona!", "perfecto, gracias", "listo, ya quedó",
            "ok, ya les escribí por privado. gracias", "genial, muchas gracias", "dale, gracias 👍",
            "ya me llegó esta mañana, gracias", "vale, entendido. gracias", "solucionado, mil gracias"],
}

# Categories a follow-up may also draw from, by whether the problem is still open.
FOLLOWUP_CATEGORIES = {True: ["reiterado", "corto_urgente"], False: ["resuelto", "corto"]}

ME_TOO = ["a mí me pasa lo mismo", "igual aquí, sin servicio en {city}", "lo mismo, me cobraron dos veces",
          "yo tampoco puedo entrar a la cuenta", "igual, {days} días sin reembolso", "x2, no funciona {since}"]

TEXTSPEAK = {"que": ["q", "k", "que"], "por favor": ["porfa", "xfa", "x favor"], "porque": ["xq", "pq", "porq"],
             "también": ["tb", "tmb"], "para": ["pa", "para"], "gracias": ["grax", "gracias"], "por": ["x", "por"],
             "qué": ["q", "k"], "está": ["ta", "esta"], "estoy": ["toy", "estoy"], "mensaje": ["msj"],
             "cuenta": ["cta", "cuenta"], "nada": ["nd", "nada"]}
