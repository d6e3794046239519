# Notice of a material change to the carrier's published CPNI policy (issue 9).
# Variables: $name (the account holder), $version (the policy version number),
# $effective_on (the day it takes effect, YYYY-MM-DD), $summary (what changed, as the
# privacy office wrote it), $url (where to read it), and the carrier's $carrier,
# $support_phone, $website, $privacy_email. Never CPNI, never a contact point.

subject = We are changing our CPNI privacy policy - { $carrier }

body =
    Dear { $name },

    We are changing the policy that says how { $carrier } protects and uses information about your telephone service (customer proprietary network information, CPNI). The new policy (version { $version }) takes effect on { $effective_on }.

    What changes: { $summary }

    Read the whole policy, and every earlier version, at { $url }

    Your choices about how we use your information stay as you made them. You can change them at any time, at no cost, at { $website } or by calling { $support_phone }.

    Questions about your privacy: { $privacy_email }

    { $carrier }
    { $website }

sms = { $carrier }: our CPNI privacy policy changes on { $effective_on }. Read it at { $url } or call { $support_phone }.

voice =
    Hello, this is { $carrier } with a message for { $name }.
    We are changing our privacy policy for your account information on { $effective_on }.
    You can read it on our website, { $website }. For questions, call us at { $support_phone }. Thank you.
