"""The web UI's identity pages: sign-in, account, organizations, teams, robots, defaults, logs."""
