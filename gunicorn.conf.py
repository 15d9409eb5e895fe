# Read by gunicorn when it starts in this directory (`make run`, the end-to-end tests).
# Access log lines never carry a token or password from a query string.
logger_class = "quaysite.access_log.RedactingLogger"
