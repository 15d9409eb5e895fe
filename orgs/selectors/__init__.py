"""Identity's reads, by topic: ``identity`` (roles in a namespace, organizations, teams, robots,
tokens, users), ``members`` (an organization's members and collaborators, a robot's grants),
``entities`` (the entity search), ``applications`` (OAuth applications), ``superuser`` (the
console's listings) and ``audit`` (the audit log's rows and counts). Writes live in
``orgs.services``."""
