"""What a user can do, apart from how they ask: the JSON routes (``api.routes``) and the
web page (``api.web.routes``) both call these functions, and no route calls another
route's handler.

Each function takes the caller (a ``Principal``, whose role the route has checked),
does the change under the scenario's lock with its audit record in the same
transaction, and returns database rows; a mistake is an ``ApiProblem``, which the
JSON routes answer as problem+json and the web page as an error page.
"""
