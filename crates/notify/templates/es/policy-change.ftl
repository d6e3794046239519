# Aviso de un cambio importante en la política de CPNI publicada (issue 9).
# Variables: $name (titular de la cuenta), $version (número de versión de la política),
# $effective_on (día en que entra en vigor, AAAA-MM-DD), $summary (qué cambia, tal como
# lo escribió la oficina de privacidad), $url (dónde leerla) y $carrier,
# $support_phone, $website, $privacy_email. Nunca CPNI, nunca un punto de contacto.

subject = Cambiamos nuestra política de privacidad de CPNI - { $carrier }

body =
    Estimado/a { $name }:

    Cambiamos la política que explica cómo { $carrier } protege y usa la información sobre su servicio telefónico (información de red propiedad del cliente, CPNI). La nueva política (versión { $version }) entra en vigor el { $effective_on }.

    Qué cambia: { $summary }

    Lea la política completa, y todas las versiones anteriores, en { $url }

    Sus opciones sobre el uso de su información se mantienen como usted las eligió. Puede cambiarlas en cualquier momento, sin costo, en { $website } o llamando al { $support_phone }.

    Preguntas sobre su privacidad: { $privacy_email }

    { $carrier }
    { $website }

sms = { $carrier }: nuestra política de privacidad de CPNI cambia el { $effective_on }. Léala en { $url } o llame al { $support_phone }.

voice =
    Hola, le llama { $carrier } con un mensaje para { $name }.
    El { $effective_on } cambiamos nuestra política de privacidad sobre la información de su cuenta.
    Puede leerla en nuestro sitio web, { $website }. Si tiene preguntas, llámenos al { $support_phone }. Gracias.
