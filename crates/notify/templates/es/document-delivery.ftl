# Un documento que el cliente pidió, enviado solo a la dirección registrada.

subject = El documento que pidió - { $carrier }

body =
    Estimado/a { $name }:

    El { $changed_at }, usted pidió el siguiente documento. Por su seguridad lo enviamos solo a la dirección registrada de su cuenta.

    { $document }

    Si usted no lo pidió, llame de inmediato a { $carrier } al { $support_phone }.

    { $carrier }
    { $website }

sms = { $carrier }: el documento que pidió se envió a su dirección registrada. ¿No fue usted? Llame al { $support_phone }.

voice =
    Hola, le llama { $carrier } para { $name }.
    El documento que pidió se envió a su dirección registrada. Si usted no lo pidió, llámenos al { $support_phone }.
