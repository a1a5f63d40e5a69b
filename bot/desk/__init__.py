"""Staff operations: what each staff member may see and do, in one place.

The JSON API (bot.api) and the console (bot.console) are two ways in; both call these
functions, so jurisdiction, masking, audit and the ticket's rules cannot drift apart.
Nothing here knows about HTTP: a refusal is a ``Refused`` with a status and one plain
sentence, which the API answers as JSON and the console as a page."""
