# Confirmación de un cambio en la aprobación del cliente para el uso de su CPNI con
# fines de marketing (47 CFR 64.2007; requisito S2).
# Variables: $change (consent_opted_out o consent_opted_in), $changed_at (cuándo, en
# palabras), $name (el titular) y, del operador, $carrier, $support_phone, $website,
# $privacy_email. Nunca CPNI ni datos de contacto.

what-changed = { $change ->
    [consent_opted_out] registramos su solicitud de que no utilicemos la información de la red propiedad del cliente (CPNI) para ofrecerle productos y servicios ni la compartamos con nuestros socios
   *[consent_opted_in] registramos su aprobación para que utilicemos la información de la red propiedad del cliente (CPNI) con fines de marketing según lo que usted eligió
}

subject = { $change ->
    [consent_opted_out] Registramos su exclusión voluntaria de marketing
   *[consent_opted_in] Registramos su aprobación de marketing
} - { $carrier }

body =
    Estimado/a { $name }:

    El { $changed_at }, { what-changed }.

    Su elección no afecta a ninguno de los servicios que tiene con nosotros y seguirá vigente hasta que usted la cambie. Puede cambiarla en cualquier momento, sin costo.

    Si usted no lo solicitó, llame a { $carrier } al { $support_phone }.

    Preguntas sobre su privacidad: { $privacy_email }

    { $carrier }
    { $website }

sms = { $change ->
    [consent_opted_out] { $carrier }: registramos su exclusión de marketing. Sus servicios no cambian. ¿No fue usted? Llame al { $support_phone }.
   *[consent_opted_in] { $carrier }: registramos su aprobación de marketing. Puede retirarla cuando quiera. ¿No fue usted? Llame al { $support_phone }.
}

voice =
    Hola, le llama { $carrier } con un mensaje para { $name }.
    El { $changed_at }, { what-changed }.
    Si usted no lo solicitó, llámenos al { $support_phone }. Gracias.
