# The call back that authenticates a caller (47 CFR 64.2010(b)): the carrier calls the
# telephone number of record of the account, never a number the caller offers, and the
# telephony platform reports that the call was answered. Variables: $name, and the
# carrier's details. It says nothing about the account.

subject = A call back from { $carrier }

body =
    Dear { $name },

    We called you back at this telephone number because someone who called us about your account asked us to.

    If it was not you, call us at { $support_phone }.

    { $carrier }
    { $website }

sms = { $carrier } is calling you back at your request. Not you? Call { $support_phone }.

voice =
    Hello, this is { $carrier } calling back for { $name }, as you asked when you called us.
    Please stay on the line. If you did not call us, hang up and call us at { $support_phone }.
