"""The web page's routes, one module per kind of user task."""
