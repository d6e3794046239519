# Aviso al cliente cuya CPNI alcanzó alguien no autorizado (47 CFR 64.2011;
# requisito S7). Variables: $change (breach_notice), $changed_at (cuándo lo supo el
# operador, en palabras), $name (el titular), $categories (los tipos de información, en
# palabras) y, del operador, $carrier, $support_phone, $website, $privacy_email. Nunca
# la CPNI misma ni datos de contacto.

subject = Aviso importante sobre la información de su cuenta - { $carrier }

body =
    Estimado/a { $name }:

    Qué sucedió: el { $changed_at }, supimos que una persona no autorizada pudo haber visto información sobre su servicio telefónico con nosotros.

    Qué información se vio afectada: { $categories }. Sus contraseñas y números de tarjetas de pago no forman parte de esta información.

    Qué estamos haciendo: detuvimos el acceso, lo informamos a las autoridades federales como exige la ley y estamos revisando cómo protegemos esta información.

    Qué puede hacer usted: revise sus facturas y registros de llamadas por si hay algo inusual y considere agregar o cambiar la clave de su cuenta. No necesita responder a este aviso.

    Cómo comunicarse con nosotros: llame a { $carrier } al { $support_phone }, escriba a { $privacy_email } o visite { $website }.

    También puede comunicarse con la Comisión Federal de Comunicaciones (FCC) al 1-888-225-5322 o en https://consumercomplaints.fcc.gov.

    { $carrier }
    { $website }

sms = { $carrier }: le enviamos un aviso importante sobre un acceso no autorizado a la información de su cuenta. ¿Preguntas? Llame al { $support_phone }.

voice =
    Hola, le llama { $carrier } con un mensaje importante para { $name }.
    El { $changed_at }, supimos que una persona no autorizada pudo haber visto información sobre su servicio telefónico.
    Le enviaremos un aviso por escrito. Si tiene preguntas, llámenos al { $support_phone }. Gracias.
