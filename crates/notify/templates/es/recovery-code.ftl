# El código de recuperación de una contraseña o PIN olvidados (política S3).

subject = Su código de recuperación de { $carrier }

body =
    Estimado/a { $name }:

    El { $changed_at }, alguien pidió restablecer la contraseña o el PIN de su cuenta.

    Su código de recuperación es: { $code }

    Sirve una sola vez y vence 30 minutos después de pedirlo. Nunca se lo pediremos por teléfono.

    Si usted no lo pidió, no tiene que hacer nada; su contraseña y su PIN no cambiaron. Puede llamarnos al { $support_phone }.

    { $carrier }
    { $website }

sms = { $carrier }: su código de recuperación es { $code }. ¿No fue usted? Llame al { $support_phone }.

voice =
    Hola, le llama { $carrier } para { $name }.
    Alguien pidió restablecer la contraseña o el PIN de su cuenta. Si no fue usted, llámenos al { $support_phone }.
