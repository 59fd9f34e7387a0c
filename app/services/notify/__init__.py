"""Telling the reporter (告知报事人): a resident who left a contact, with consent, is told by
SMS and e-mail when their report is accepted, resolved (or why it cannot be), and closed.

`reporter.tell` queues the messages of a step in the step's own transaction (the outbox);
`sender` sends them after commit, from any process, each once; `sms` and `mail` speak to the
gateways; `texts` puts a step in words, in the resident's language. Below incidents, whose loop
calls it: it knows incidents only as rows.
"""
