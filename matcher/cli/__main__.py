from matcher.cli.main import app

app()
