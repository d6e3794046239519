# Acuse de recibo de la oficina de privacidad de una queja o consulta del cliente sobre
# la privacidad de su información de la red propiedad del cliente (CPNI).
# Variables: $change (complaint_acknowledged), $changed_at (cuándo se recibió, en
# palabras), $name (el titular), $reference (la referencia de la queja) y, del operador,
# $carrier, $support_phone, $website, $privacy_email. Nunca el texto de la queja, nunca
# CPNI ni datos de contacto.

subject = Recibimos su queja o consulta de privacidad (referencia { $reference }) - { $carrier }

body =
    Estimado/a { $name }:

    El { $changed_at }, nuestra oficina de privacidad recibió su queja o consulta sobre la privacidad de la información de su cuenta. Su referencia es { $reference }.

    La estudiaremos y le comunicaremos lo que encontremos. No necesita hacer nada por ahora. Si nos escribe sobre este asunto, indique la referencia.

    Si usted no se comunicó con nosotros, llame a { $carrier } al { $support_phone }.

    Oficina de privacidad: { $privacy_email }

    { $carrier }
    { $website }

sms = { $carrier }: nuestra oficina de privacidad recibió su queja o consulta, referencia { $reference }. Le responderemos. ¿No fue usted? Llame al { $support_phone }.

voice =
    Hola, le llama { $carrier } con un mensaje para { $name }.
    El { $changed_at }, nuestra oficina de privacidad recibió su queja o consulta. Su referencia es { $reference }.
    La estudiaremos y le responderemos. Si usted no se comunicó con nosotros, llámenos al { $support_phone }. Gracias.
