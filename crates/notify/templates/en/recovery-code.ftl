# The recovery code for a forgotten password or PIN (seed policy S3). Sent only to the
# email address of record. Variables: $code (single use), $changed_at (when it was
# asked for), $change (the notice kind), $name, and the carrier's details.

subject = Your { $carrier } recovery code

body =
    Dear { $name },

    On { $changed_at }, someone asked to reset the password or PIN for your account.

    Your recovery code is: { $code }

    It works once and expires 30 minutes after it was asked for. We will never ask you for it by phone.

    If you did not ask for this, you do not need to do anything; your password and PIN have not changed. You may call us at { $support_phone }.

    { $carrier }
    { $website }

sms = { $carrier }: your recovery code is { $code }. Not you? Call { $support_phone }.

voice =
    Hello, this is { $carrier } for { $name }.
    Someone asked to reset the password or PIN for your account. If it was not you, call us at { $support_phone }.
