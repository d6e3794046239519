# Aviso individual de exclusión voluntaria (47 CFR 64.2008; requisito S2).
# Variables: $changed_at (fecha del aviso, en palabras), $name (titular de la cuenta)
# y $carrier, $support_phone, $website, $privacy_email (la dirección de marketing que
# recibe exclusiones por correo electrónico). Nunca CPNI, nunca un punto de contacto.

subject = Sus opciones de privacidad: cómo { $carrier } puede usar la información de su cuenta

body =
    Estimado/a { $name }:

    Este aviso, con fecha { $changed_at }, explica su derecho a restringir el uso que hacemos de la información de su cuenta.

    Su derecho y nuestro deber. Usted tiene el derecho, y { $carrier } tiene el deber según la ley federal, de proteger la confidencialidad de su información de red propiedad del cliente (CPNI).

    Qué es la CPNI. La CPNI es la información sobre la cantidad, la configuración técnica, el tipo, el destino, la ubicación y el uso de los servicios de telecomunicaciones que nos compra, y la información sobre esos servicios que aparece en sus facturas: por ejemplo, qué servicios tiene, a qué números llama, cuándo y por cuánto tiempo. No incluye su nombre, su dirección ni su número de teléfono publicado en la guía.

    Quién la recibe y para qué. Salvo que usted nos indique lo contrario, { $carrier } y sus agentes y afiliados que prestan servicios relacionados con las comunicaciones pueden usar su CPNI para ofrecerle servicios y promociones relacionados con las comunicaciones, incluidos los de nuestros socios. Solo compartimos la CPNI con socios de empresas conjuntas, contratistas independientes u otros terceros si usted nos ha dado su aprobación expresa (consentimiento previo).

    Cómo excluirse, sin costo y en cualquier momento. Puede negar o retirar en cualquier momento, sin ningún costo, el uso de su CPNI por cualquiera de estos medios:
    - envíe la palabra STOP desde su correo electrónico registrado a { $privacy_email };
    - llame al { $support_phone }, las 24 horas, los 7 días de la semana;
    - use su cuenta en línea en { $website }.
    Si no se excluye dentro de los 30 días posteriores a este aviso (33 días si lo recibió por correo postal), entenderemos que aprueba este uso.

    Sus servicios no se ven afectados. Negar o retirar su aprobación no afectará ninguno de los servicios que recibe de nosotros, ni ahora ni en el futuro.

    Su elección se mantiene. Lo que elija seguirá vigente hasta que usted lo cambie, lo que puede hacer en cualquier momento.

    Preguntas sobre su privacidad: { $privacy_email }

    { $carrier }
    { $website }

sms = { $carrier }: puede impedir, gratis y en cualquier momento, que usemos la información de su cuenta (CPNI) para marketing: envíe STOP a { $privacy_email } o llame al { $support_phone }. Sus servicios no se ven afectados; su elección se mantiene hasta que la cambie.

voice =
    Hola, le habla { $carrier } con un aviso de privacidad para { $name }.
    Usted tiene el derecho, y nosotros el deber, de proteger su información de red propiedad del cliente, que es la información sobre los servicios que usa y cómo los usa.
    Nosotros y nuestros afiliados podemos usarla para ofrecerle servicios de comunicaciones salvo que nos indique lo contrario. Puede excluirse sin costo en cualquier momento llamando al { $support_phone } o por correo electrónico a { $privacy_email }.
    Excluirse nunca afecta sus servicios, y su elección se mantiene hasta que la cambie. Gracias.
